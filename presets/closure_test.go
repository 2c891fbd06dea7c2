package presets

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestClosureCopiesTheLibrariesTheLoaderResolves(t *testing.T) {
	bin, err := exec.LookPath("ls")
	if err != nil {
		t.Skip("no ls binary on this machine to inspect")
	}
	if _, err := exec.LookPath("ldd"); err != nil {
		t.Skip("ldd is not installed on this machine (the builder images have it)")
	}
	out := t.TempDir()
	step := ClosureStep(out, bin)
	cmd := exec.Command(step.Run.Argv[0], step.Run.Argv[1:]...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	want, _ := exec.Command("ldd", bin).Output()
	n := 0
	for _, line := range strings.Split(string(want), "\n") {
		f := strings.Fields(line)
		var lib string
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			lib = f[2]
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			lib = f[0]
		default:
			continue
		}
		n++
		if _, err := os.Stat(filepath.Join(out, lib)); err != nil {
			t.Errorf("%s missing from the closure", lib)
		}
	}
	if n < 2 {
		t.Fatalf("ldd %s listed %d libraries; expected at least libc and the loader", bin, n)
	}
}

func TestClosureFailsWhenALibraryIsMissing(t *testing.T) {
	if _, err := exec.LookPath("ldd"); err != nil {
		t.Skip("ldd is not installed on this machine")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed: cannot make a binary with a missing library")
	}
	dir := t.TempDir()
	lib := filepath.Join(dir, "libgone.so")
	os.WriteFile(filepath.Join(dir, "gone.c"), []byte("int gone(void){return 1;}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.c"), []byte("int gone(void);\nint main(void){return gone();}\n"), 0o644)
	for _, args := range [][]string{
		{"-shared", "-fPIC", "-o", lib, filepath.Join(dir, "gone.c")},
		{"-o", filepath.Join(dir, "app", "main"), filepath.Join(dir, "main.c"), "-L" + dir, "-lgone"},
	} {
		os.MkdirAll(filepath.Join(dir, "app"), 0o755)
		if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v %s", err, b)
		}
	}
	os.Remove(lib)
	step := ClosureStep(t.TempDir(), filepath.Join(dir, "app"))
	b, err := exec.Command(step.Run.Argv[0], step.Run.Argv[1:]...).CombinedOutput()
	if err == nil || !strings.Contains(string(b), "libgone.so") {
		t.Fatalf("want a failure naming libgone.so, got err=%v output=%s", err, b)
	}
}
