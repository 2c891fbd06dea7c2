package python

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/presettest"
)

// [run] sourceless: the deps stage moves the bytecode beside its sources
// and every closure that copies the venv leaves the sources out, on every
// base and in cross builds; without the key neither happens.
func TestSourcelessPlan(t *testing.T) {
	for _, base := range []string{"distroless", "scratch", "alpine"} {
		for _, tgt := range []presets.Target{{Build: amd64, Platform: amd64}, {Build: amd64, Platform: presettest.Arm64}} {
			if base == "alpine" && tgt.Platform.Architecture == "arm64" {
				continue // alpine cross builds need emulation
			}
			src := presettest.WithBase(apps["flask"], base)
			for _, on := range []bool{false, true} {
				s := src
				if on {
					s += "[run]\nsourceless = true\n"
				}
				p, err := New().Plan(h.Parse(t, s), tgt)
				if err != nil {
					t.Fatalf("%s %s: %v", base, tgt.Platform.Architecture, err)
				}
				deps := presettest.Stage(t, p, "deps")
				moved := slices.ContainsFunc(deps.Steps, func(st llbgen.Step) bool { return strings.Contains(stepText(st), sourcelessScriptPath+" ") })
				closures := 0
				for _, st := range p.Stages {
					for _, step := range st.Steps {
						if a := stepText(step); strings.Contains(a, " closure ") && strings.Contains(a, "--tree "+venv) {
							closures++
							if strings.Contains(a, " --sourceless") != on {
								t.Errorf("%s %s sourceless=%v: closure %s", base, tgt.Platform.Architecture, on, a)
							}
						}
					}
				}
				if moved != on || closures == 0 {
					t.Errorf("%s %s sourceless=%v: bytecode moved %v, %d closures of the venv", base, tgt.Platform.Architecture, on, moved, closures)
				}
			}
		}
	}
}

// The sourceless script really gives an importable bytecode-only tree: a
// package compiled the way the deps stage compiles (hash-based, unchecked),
// the script run, the sources removed as the closure removes them, then
// imported by a fresh interpreter. The interpreter is the host's python3,
// so this checks the mechanism (importlib's SourcelessFileLoader), not the
// image's Python version.
func TestSourcelessScriptGivesImportableBytecode(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine")
	}
	dir := t.TempDir()
	for p, s := range map[string]string{
		"pkg/__init__.py":     "from pkg.sub.mod import VALUE\n",
		"pkg/sub/__init__.py": "",
		"pkg/sub/mod.py":      "VALUE = 'from bytecode'\n",
		"pkg/__main__.py":     "print('main')\n",
	} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(py, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("-c", "import compileall, py_compile, sys; sys.exit(not compileall.compile_dir(sys.argv[1], quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH))", dir)
	script := filepath.Join(t.TempDir(), "sourceless.py")
	if err := os.WriteFile(script, []byte(sourcelessScript), 0o644); err != nil {
		t.Fatal(err)
	}
	run(script, dir)
	var left []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if d.Name() == "__pycache__" {
			t.Errorf("%s is still there", p)
		}
		if strings.HasSuffix(p, ".py") {
			if _, err := os.Stat(p + "c"); err != nil {
				t.Errorf("%s has no bytecode beside it", p)
			}
			left = append(left, p)
		}
		return nil
	})
	for _, p := range left { // what slimfront closure --sourceless leaves out
		os.Remove(p)
	}
	if got := run("-c", "import pkg, pkg.sub.mod as m; print(pkg.VALUE, type(m.__loader__).__name__)"); got != "from bytecode SourcelessFileLoader\n" {
		t.Errorf("import from bytecode only: %q", got)
	}
	if got := run("-m", "pkg"); got != "main\n" {
		t.Errorf("python -m pkg from bytecode only: %q", got)
	}
}
