package python

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// detectTree writes files (slash paths -> contents) under a temp dir.
func detectTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDetectPicksDepsAndEntrypoint(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		entry string
		path  string
		argv  []string
		deps  []string
		port  int
		note  string // in Notes
	}{
		{name: "requirements beat pyproject", files: map[string]string{"requirements.txt": "", "pyproject.toml": "", "main.py": "PORT = 8000\n"},
			path: "main.py", deps: []string{"requirements.txt"}, port: 8000, note: "pyproject.toml is not in deps"},
		{name: "uv lockfile", files: map[string]string{"requirements.txt": "", "pyproject.toml": "", "uv.lock": "", "app.py": ""},
			path: "app.py", deps: []string{"pyproject.toml", "uv.lock"}},
		{name: "flask app without __main__ goes to gunicorn", files: map[string]string{"requirements.txt": "flask\n", "app.py": "from flask import Flask\napp = Flask(__name__)\n"},
			argv: []string{"gunicorn", "app:app"}, deps: []string{"requirements.txt"}, port: 8000},
		{name: "package with __main__", files: map[string]string{"pyproject.toml": "", "svc/__main__.py": "run(port=9000)\n", "svc/__init__.py": ""},
			path: "svc", deps: []string{"pyproject.toml"}, port: 9000},
		{name: "from --entrypoint", entry: "./tools/serve.py", files: map[string]string{"requirements.txt": "", "app.py": "", "tools/serve.py": ""},
			path: "tools/serve.py", deps: []string{"requirements.txt"}},
		{name: ".python-version", files: map[string]string{"requirements.txt": "", "app.py": "", ".python-version": "3.12\n"},
			path: "app.py", deps: []string{"requirements.txt"}, note: `# version = "` + DefaultVersion + `"     # Python MAJOR.MINOR; default ` + DefaultVersion + " (.python-version says 3.12)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Preset{}.Detect(detectTree(t, tc.files), tc.entry)
			if err != nil {
				t.Fatal(err)
			}
			if d.Path != tc.path || !reflect.DeepEqual(d.Argv, tc.argv) || !reflect.DeepEqual(d.Deps, tc.deps) || d.Port != tc.port {
				t.Errorf("got path %q argv %q deps %q port %d; want %q %q %q %d", d.Path, d.Argv, d.Deps, d.Port, tc.path, tc.argv, tc.deps, tc.port)
			}
			if notes := strings.Join(d.Notes, "\n"); !strings.Contains(notes, tc.note) {
				t.Errorf("notes lack %q:\n%s", tc.note, notes)
			}
		})
	}
}

func TestDetectFailsWhenItCannotTell(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"no source":     {map[string]string{"requirements.txt": ""}, "no Python source found next to requirements.txt"},
		"no entry":      {map[string]string{"requirements.txt": "", "b.py": "", "a.py": ""}, "candidates: a.py, b.py"},
		"two wsgi apps": {map[string]string{"requirements.txt": "", "a.py": "app = Flask(__name__)\n", "b.py": "api = falcon.API()\n"}, "several WSGI apps: a:app, b:api"},
	} {
		if _, err := (Preset{}).Detect(detectTree(t, tc.files), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}
