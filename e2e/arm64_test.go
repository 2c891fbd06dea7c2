package e2e

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// The stand-in base images (debian, golang, node, distroless) are indexes for
// linux/amd64 and linux/arm64, the arm64 images made of arm64 files. This
// machine has no arm64 emulation, so an arm64 image can only be used as data;
// anything that executes it must fail rather than quietly run amd64 files.

// TestArm64PythonBuildsWithoutEmulation: python-flask for linux/arm64 alone
// builds on this amd64 worker, which cannot run arm64 programs: its builder
// stages run on the build platform and install arm64 wheels, the interpreter
// comes from the arm64 distroless python3 image as data
// (presets/python/cross.go). Before that, the builder ran on the target and
// failed with exec format error (and before the stand-ins were indexes the
// build went green with x86-64 lib-dynload modules in the arm64 image): the
// image holds arm64 files only, its interpreter and markupsafe's speedups
// among them.
func TestArm64PythonBuildsWithoutEmulation(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	for _, f := range []string{"/proc/sys/fs/binfmt_misc/qemu-aarch64", "/proc/sys/fs/binfmt_misc/aarch64"} {
		if _, err := os.Stat(f); err == nil {
			t.Logf("note: %s exists: arm64 programs could run here, so this build would not show that none ran", f)
		}
	}
	dir := copyExample(t, "python-flask")
	tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--platform", "linux/arm64")
	l, err := ocitar.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Images) != 1 || l.Images[0].Platform.Architecture != "arm64" {
		t.Fatalf("images in the layout: %+v, want one linux/arm64 image", l.Images)
	}
	machines := elfMachines(t, l, l.Images[0])
	for _, f := range []string{"usr/bin/python3.13", "opt/venv/lib/python3.13/site-packages/markupsafe/_speedups.cpython-313-aarch64-linux-gnu.so"} {
		if _, ok := machines[f]; !ok {
			t.Errorf("%s is not an ELF file of the image", f)
		}
	}
	for name, m := range machines {
		if m != elf.EM_AARCH64 {
			t.Errorf("%s is %s, want %s", name, m, elf.EM_AARCH64)
		}
	}
	t.Logf("linux/arm64: %d ELF files, all %s", len(machines), elf.EM_AARCH64)
}

// TestArm64GoEntrypointIsAarch64: Go cross-compiles on the build platform, so
// one build for both platforms gives an aarch64 entrypoint in the arm64 image
// and an x86-64 one in the amd64 image, each on its own distroless base.
func TestArm64GoEntrypointIsAarch64(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := copyExample(t, "go-hello")
	tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml",
		"--platform", "linux/amd64,linux/arm64", "--build-arg", "SLIM_PRESET=distroless")
	l, err := ocitar.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	seen := map[string]bool{}
	for _, img := range l.Images {
		arch := img.Platform.Architecture
		m, ok := want[arch]
		if !ok || img.Platform.OS != "linux" {
			t.Errorf("unexpected platform %s/%s in the index", img.Platform.OS, arch)
			continue
		}
		seen[arch] = true
		ep := img.Config.Config.Entrypoint
		if len(ep) == 0 {
			t.Errorf("%s: no entrypoint", arch)
			continue
		}
		name := strings.TrimPrefix(filepath.Clean(ep[0]), "/")
		b, err := l.ReadFile(img, name)
		if err != nil {
			t.Errorf("%s: reading the entrypoint %s: %v", arch, ep[0], err)
			continue
		}
		f, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s: entrypoint %s is not ELF: %v", arch, ep[0], err)
			continue
		}
		t.Logf("linux/%s: %s is ELF %s", arch, ep[0], f.Machine)
		if f.Machine != m {
			t.Errorf("linux/%s: entrypoint %s is %s, want %s", arch, ep[0], f.Machine, m)
		}
	}
	for arch := range want {
		if !seen[arch] {
			t.Errorf("no linux/%s image in the index", arch)
		}
	}
}
