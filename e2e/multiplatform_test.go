package e2e

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// Node apps for linux/amd64 and linux/arm64 in one build, on a worker that
// cannot run arm64 programs: the builders run on the build platform and the
// production install picks the target's prebuilt addons (presets/node/cross.go).

// elfMachines returns the ELF machine of every regular ELF file of img, by
// path.
func elfMachines(t *testing.T, l *ocitar.Layout, img ocitar.Image) map[string]elf.Machine {
	t.Helper()
	out := map[string]elf.Machine{}
	for _, ly := range img.Layers {
		err := l.WalkLayer(ly, func(name string, h *tar.Header, r io.Reader) error {
			if h.Typeflag != tar.TypeReg || h.Size < 64 {
				return nil
			}
			head := make([]byte, 4)
			if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, []byte(elf.ELFMAG)) {
				return nil
			}
			rest, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			f, err := elf.NewFile(bytes.NewReader(append(head, rest...)))
			if err != nil {
				t.Errorf("%s: ELF magic but unreadable: %v", name, err)
				return nil
			}
			out[name] = f.Machine
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkTwoPlatforms checks the index holds linux/amd64 and linux/arm64,
// that every ELF file of each is for its machine and that the files in
// mustBeELF are among them; it returns the layout and the amd64 image.
func checkTwoPlatforms(t *testing.T, tarPath string, mustBeELF ...string) {
	t.Helper()
	l, err := ocitar.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	var got []string
	for _, img := range l.Images {
		arch := img.Platform.Architecture
		got = append(got, img.Platform.OS+"/"+arch)
		m, ok := want[arch]
		if !ok {
			continue
		}
		machines := elfMachines(t, l, img)
		var wrong []string
		for name, mm := range machines {
			if mm != m {
				wrong = append(wrong, name+" ("+mm.String()+")")
			}
		}
		sort.Strings(wrong)
		if len(wrong) > 0 {
			t.Errorf("linux/%s image holds ELF files for another machine: %s", arch, strings.Join(wrong, ", "))
		}
		t.Logf("linux/%s: %d ELF files, all %s", arch, len(machines), m)
		for _, f := range mustBeELF {
			f = strings.ReplaceAll(f, "$ARCH", map[string]string{"amd64": "x64", "arm64": "arm64"}[arch])
			if _, ok := machines[f]; !ok {
				t.Errorf("linux/%s: %s is not an ELF file of the image", arch, f)
			}
		}
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "linux/amd64,linux/arm64" {
		t.Fatalf("platforms in the index = %v, want linux/amd64 and linux/arm64", got)
	}
}

// TestNodeTwoPlatformsWithoutEmulation: node-hello (distroless) and
// node-prebuilds (bcrypt's prebuildify addon and sharp's @img/* packages,
// scratch) for linux/amd64,linux/arm64: the arm64 image's node and addons
// are aarch64, no file of it is x86-64, and the amd64 image answers.
func TestNodeTwoPlatformsWithoutEmulation(t *testing.T) {
	requireEnv(t)
	for _, tc := range []struct {
		example string
		elf     []string
	}{
		{"node-hello", []string{"nodejs/bin/node"}},
		{"node-prebuilds", []string{"nodejs/bin/node",
			"app/node_modules/bcrypt/prebuilds/linux-$ARCH/bcrypt.glibc.node",
			"app/node_modules/@img/sharp-linux-$ARCH/lib/sharp-linux-$ARCH.node"}},
	} {
		t.Run(tc.example, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, tc.example)
			tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--platform", "linux/amd64,linux/arm64")
			checkTwoPlatforms(t, tarPath, tc.elf...)
			runImage(t, tarPath).checkServes(t, loadExpect(t, dir))
		})
	}
}

// TestNodeArm64AddonWithoutPrebuildFails: better-sqlite3 makes its addon in
// an install script (prebuild-install, else node-gyp) and ships no
// prebuilds/linux-arm64: the arm64 build fails at the deps line naming it,
// rather than ship an x86-64 addon or none.
func TestNodeArm64AddonWithoutPrebuildFails(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := copyExample(t, "node-native")
	dest := filepath.Join(t.TempDir(), "img.tar")
	out, err := buildx(t, dir, "-f", "slim.toml", "--platform", "linux/arm64",
		"--output", "type=oci,dest="+dest+",name=app:latest")
	if err == nil {
		t.Fatalf("node-native built green for linux/arm64 without an arm64 prebuild of better-sqlite3\n%s", out)
	}
	for _, want := range []string{"no prebuilt native addon for linux/arm64", "better-sqlite3@", "slim.toml:4", ">>> deps"} { // the deps line of examples/node-native/slim.toml
		if !strings.Contains(out, want) {
			t.Errorf("the error does not say %q:\n%s", want, out)
		}
	}
}
