package e2e

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// The stand-in base images (debian, golang, node, distroless) are indexes for
// linux/amd64 and linux/arm64, the arm64 images made of arm64 files. This
// machine has no arm64 emulation, so an arm64 image can only be used as data;
// anything that executes it must fail rather than quietly run amd64 files.

// wrongArch matches the ways an arm64 build fails here: the kernel refusing an
// aarch64 program in a RUN step, or the start check naming the architecture.
var wrongArch = regexp.MustCompile(`(?i)exec format error|architecture`)

// TestArm64PythonFailsWithoutEmulation: the Python builder runs on the target
// platform; for linux/arm64 its base is debian:13-slim's arm64 image, whose
// shell cannot run on this amd64 worker. Before the stand-ins were indexes the
// build went green with x86-64 lib-dynload modules in the arm64 image.
func TestArm64PythonFailsWithoutEmulation(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := copyExample(t, "python-flask")
	dest := filepath.Join(t.TempDir(), "img.tar")
	out, err := buildx(t, dir, "-f", "slim.toml", "--platform", "linux/arm64",
		"--output", "type=oci,dest="+dest+",name=app:latest")
	if err == nil {
		t.Fatalf("python-flask built green for linux/arm64 on a machine without arm64 emulation; its files cannot be arm64\n%s", out)
	}
	if _, statErr := os.Stat(dest); statErr == nil {
		t.Errorf("a failed build left an image at %s", dest)
	}
	if m := wrongArch.FindString(out); m == "" {
		t.Fatalf("the failure does not name the architecture (want exec format error or the start check's architecture error):\n%s", out)
	} else {
		t.Logf("failed as it must: %q", m)
	}
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
