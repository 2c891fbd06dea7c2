package python

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// rootfsScript's import_graph, run with the test machine's Python over a
// small stdlib: imports inside functions and try blocks, relative imports
// (inside the package: no edge), import_module/__import__ with a literal,
// and "*" for a module that does not parse; top-level granularity.
func TestRootfsScriptWritesTheStdlibImportGraph(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine")
	}
	dir := t.TempDir()
	stage := filepath.Join(dir, "stdlib")
	for p, src := range map[string]string{
		"a.py":            "def f():\n    import b\ntry:\n    import c.x\nexcept ImportError:\n    pass\n",
		"pkg/__init__.py": "from . import sub\nfrom .sub import x\n",
		"pkg/sub.py":      "import importlib\nimportlib.import_module('d')\n__import__('e.f')\nimportlib.import_module('.rel', 'pkg')\n",
		"bad.py":          "def (:\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(stage, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(stage, p), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := filepath.Join(dir, "rootfs.py")
	if err := os.WriteFile(script, []byte(rootfsScript), 0o644); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rootfsScript, `GRAPH = "`+stdlibGraph+`"`) {
		t.Fatalf("rootfsScript does not write the graph to %s", stdlibGraph)
	}
	out := filepath.Join(dir, "graph.json")
	run := `import importlib.util as u, sys
s = u.spec_from_file_location("rootfs", sys.argv[1]); m = u.module_from_spec(s); s.loader.exec_module(m)
m.import_graph(sys.argv[2], sys.argv[3])`
	if b, err := exec.Command(py, "-c", run, script, stage, out).CombinedOutput(); err != nil {
		t.Fatalf("import_graph: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Tops    map[string][]string `json:"tops"`
		Startup []string            `json:"startup"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"a": {"b", "c"}, "pkg": {"d", "e", "importlib"}, "bad": {"*"}}
	if !reflect.DeepEqual(g.Tops, want) {
		t.Errorf("tops %v, want %v", g.Tops, want)
	}
	if len(g.Startup) == 0 || !strings.Contains(" "+strings.Join(g.Startup, " ")+" ", " sys ") {
		t.Errorf("startup %v: want the modules a started interpreter has loaded", g.Startup)
	}
}
