package cli

import (
	"bytes"
	"github.com/slimfront/slimfront/presets/presettest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/presets/all"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = Run(args, &o, &e)
	return code, o.String(), e.String()
}

// parseWritten reads dir/slim.toml, checks the first line and parses it
// with the registry's languages and presets, as the frontend does.
func parseWritten(t *testing.T, dir string) *descriptor.App {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "slim.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(src), "\n"); first != "# syntax=org/slimfront" {
		t.Errorf("first line = %q, want # syntax=org/slimfront", first)
	}
	reg := all.Registry()
	app, err := descriptor.Parse("slim.toml", src, reg.Options(nil))
	if err != nil {
		t.Fatalf("written slim.toml does not parse: %v\n%s", err, src)
	}
	if err := checkDescriptor(string(src)); err != nil {
		t.Fatalf("written slim.toml does not plan: %v\n%s", err, src)
	}
	return app
}

const goMain = "package main\n\nimport (\n\t\"net/http\"\n\t\"os\"\n)\n\nfunc main() {\n\tport := os.Getenv(\"PORT\")\n\tif port == \"\" {\n\t\tport = \"8080\"\n\t}\n\thttp.ListenAndServe(\":\"+port, nil)\n}\n"

func TestInitDetects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  map[string]string
		args   []string
		lang   string
		path   string
		argv   []string
		deps   []string
		port   int
		script string
	}{
		{name: "go root main", lang: "go", path: ".", deps: []string{"go.mod"}, port: 8080,
			files: map[string]string{"go.mod": "module x\n\ngo 1.24\n", "main.go": goMain, "gen.go": "//go:build ignore\n\npackage main\n", "lib/lib.go": "package lib\n"}},
		{name: "go single cmd", lang: "go", path: "./cmd/server", deps: []string{"go.mod", "go.sum"}, port: 9090,
			files: map[string]string{"go.mod": "module x\n", "go.sum": "", "cmd/server/main.go": "package main\n\nfunc main() { http.ListenAndServe(\":9090\", nil) }\n",
				"internal/h/h.go": "package h\n", "tools/gen/main_test.go": "package main\n"}},
		{name: "go chosen entrypoint", args: []string{"--entrypoint", "./cmd/b"}, lang: "go", path: "./cmd/b", deps: []string{"go.mod"},
			files: map[string]string{"go.mod": "module x\n", "cmd/a/main.go": "package main\n", "cmd/b/main.go": "package main\n"}},
		{name: "python flask script", lang: "python", path: "app.py", deps: []string{"requirements.txt"}, port: 5000,
			files: map[string]string{"requirements.txt": "flask\n", "app.py": "import os\nfrom flask import Flask\napp = Flask(__name__)\nif __name__ == \"__main__\":\n    app.run(host=\"0.0.0.0\", port=int(os.environ.get(\"PORT\", 5000)))\n"}},
		{name: "python falcon gunicorn", lang: "python", argv: []string{"gunicorn", "service.api:app"}, deps: []string{"requirements.txt"}, port: 8000,
			files: map[string]string{"requirements.txt": "falcon==4.0.2\ngunicorn==23.0.0\n", "service/__init__.py": "", "service/api.py": "import falcon\n\napp = falcon.App()\n"}},
		{name: "python uv main.py", lang: "python", path: "main.py", deps: []string{"pyproject.toml", "uv.lock"},
			files: map[string]string{"pyproject.toml": "[project]\nname = \"x\"\n", "uv.lock": "", "main.py": "print('hi')\n"}},
		{name: "python poetry", lang: "python", path: "app.py", deps: []string{"pyproject.toml", "poetry.lock"},
			files: map[string]string{"pyproject.toml": "[tool.poetry]\n", "poetry.lock": "", "app.py": "print('hi')\n"}},
		{name: "node npm main", lang: "node", path: "server.js", deps: []string{"package.json", "package-lock.json"}, port: 3000,
			files: map[string]string{"package.json": `{"main": "./server.js"}`, "package-lock.json": "{}", "server.js": "const port = Number(process.env.PORT) || 3000;\n"}},
		{name: "node yarn start script", lang: "node", path: "src/index.js", deps: []string{"package.json", "yarn.lock"}, port: 4000,
			files: map[string]string{"package.json": `{"scripts": {"start": "NODE_ENV=production node --enable-source-maps src/index.js"}}`, "yarn.lock": "", "src/index.js": "app.listen(4000)\n"}},
		{name: "node pnpm typescript build", lang: "node", path: "dist/server.js", deps: []string{"package.json", "pnpm-lock.yaml"}, port: 3000, script: "build",
			files: map[string]string{"package.json": `{"main": "dist/server.js", "scripts": {"build": "tsc"}}`, "pnpm-lock.yaml": "", "src/server.ts": "const port = process.env.PORT ?? 3000;\n"}},
		{name: "several languages, chosen", args: []string{"--language", "node"}, lang: "node", path: "index.js", deps: []string{"package.json", "package-lock.json"},
			files: map[string]string{"go.mod": "module x\n", "main.go": "package main\n", "package.json": `{}`, "package-lock.json": "{}", "index.js": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := presettest.Tree(t, tc.files)
			code, out, errOut := runCLI(append([]string{"init", dir}, tc.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			app := parseWritten(t, dir)
			if app.Language != tc.lang {
				t.Errorf("language = %q, want %q", app.Language, tc.lang)
			}
			want := descriptor.Entrypoint{Argv: tc.argv}
			if tc.path != "" {
				want.Path = strings.TrimPrefix(tc.path, "./")
			}
			if !reflect.DeepEqual(app.Entrypoint, want) {
				t.Errorf("entrypoint = %+v, want %+v", app.Entrypoint, want)
			}
			if !reflect.DeepEqual(app.Deps, tc.deps) {
				t.Errorf("deps = %q, want %q", app.Deps, tc.deps)
			}
			if app.Port != tc.port {
				t.Errorf("port = %d, want %d", app.Port, tc.port)
			}
			if app.Build.Script != tc.script {
				t.Errorf("build.script = %q, want %q", app.Build.Script, tc.script)
			}
			ig, err := os.ReadFile(filepath.Join(dir, ".dockerignore"))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range []string{".git", "**/node_modules", "**/__pycache__", "**/*.pyc", ".venv"} {
				if !strings.Contains(string(ig), "\n"+l+"\n") {
					t.Errorf(".dockerignore lacks %q:\n%s", l, ig)
				}
			}
		})
	}
}

func TestInitCannotDecide(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // in the message
	}{
		{"several main packages, none under cmd/", map[string]string{"go.mod": "module x\n", "api/main.go": "package main\n", "worker/main.go": "package main\n"},
			[]string{"several main packages", "./api", "./worker", "--entrypoint"}},
		{"several languages", map[string]string{"go.mod": "module x\n", "main.go": "package main\n", "requirements.txt": ""},
			[]string{"several languages", "go (go.mod)", "python (requirements.txt)", "--language go|python"}},
		{"no manifest", map[string]string{"README": ""}, []string{"no go.mod"}},
		{"no main package", map[string]string{"go.mod": "module x\n", "lib.go": "package x\n"}, []string{"no main package"}},
		{"node without lockfile", map[string]string{"package.json": `{"main": "a.js"}`}, []string{"no lockfile", "npm install --package-lock-only"}},
		{"python without entry", map[string]string{"requirements.txt": "", "worker.py": "", "jobs.py": ""}, []string{"cannot tell", "jobs.py", "worker.py", "--entrypoint"}},
		{"several wsgi apps", map[string]string{"requirements.txt": "gunicorn\n", "a.py": "app = Flask(__name__)\n", "b.py": "api = falcon.App()\n"}, []string{"several WSGI apps", "a:app", "b:api"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := presettest.Tree(t, tc.files)
			code, _, errOut := runCLI("init", dir)
			if code != ExitFailure {
				t.Errorf("exit %d, want %d", code, ExitFailure)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("message lacks %q:\n%s", w, errOut)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "slim.toml")); err == nil {
				t.Error("slim.toml written anyway")
			}
		})
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := presettest.Tree(t, map[string]string{"go.mod": "module x\n", "main.go": goMain, "slim.toml": "mine\n", ".dockerignore": "keep\n"})
	code, _, errOut := runCLI("init", dir)
	if code != ExitFailure || !strings.Contains(errOut, "--force") {
		t.Fatalf("exit %d, stderr %q; want 1 and a hint about --force", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "slim.toml")); string(b) != "mine\n" {
		t.Fatalf("slim.toml changed without --force: %q", b)
	}
	// flags after the directory work too
	if code, out, errOut := runCLI("init", dir, "--force"); code != ExitOK {
		t.Fatalf("--force: exit %d\n%s%s", code, out, errOut)
	}
	parseWritten(t, dir)
	if b, _ := os.ReadFile(filepath.Join(dir, ".dockerignore")); string(b) != "keep\n" {
		t.Errorf("an existing .dockerignore was replaced: %q", b)
	}
}

// Run on a copy of each example without its slim.toml, init must find what
// the hand-written one says.
func TestInitReproducesExamples(t *testing.T) {
	ents, err := os.ReadDir("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		src := filepath.Join("../../examples", e.Name())
		orig, err := os.ReadFile(filepath.Join(src, "slim.toml"))
		if err != nil {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			want, err := descriptor.Parse("slim.toml", orig, descriptor.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(dir, "slim.toml"))
			if code, out, errOut := runCLI("init", dir); code != ExitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			got := parseWritten(t, dir)
			written, _ := os.ReadFile(filepath.Join(dir, "slim.toml"))
			// CGO_ENABLED: "0" is the default; init reads the dependencies'
			// sources, which a machine without them in the module cache
			// lacks (it says so in a note; the build still checks).
			cgo := func(a *descriptor.App) string {
				for _, kv := range a.Build.Env {
					if kv.Key == "CGO_ENABLED" && kv.Value == "1" {
						return "1"
					}
				}
				return ""
			}
			if cgo(got) != cgo(want) && !strings.Contains(string(written), "not read for cgo") {
				t.Errorf("CGO_ENABLED %q, the example has %q:\n%s", cgo(got), cgo(want), written)
			}
			if got.Language != want.Language || !reflect.DeepEqual(got.Deps, want.Deps) || got.Port != want.Port || got.Build.Script != want.Build.Script {
				t.Errorf("got language %s deps %q port %d script %q; the example has %s %q %d %q",
					got.Language, got.Deps, got.Port, got.Build.Script, want.Language, want.Deps, want.Port, want.Build.Script)
			}
			ge, we := got.Entrypoint, want.Entrypoint
			switch {
			case script(ge) != "" && script(ge) == script(we): // app.py = python app.py = python -m app
			case we.Argv != nil: // e.g. gunicorn --workers 2 app:app: same program, same app
				if len(ge.Argv) == 0 || ge.Argv[0] != we.Argv[0] || ge.Argv[len(ge.Argv)-1] != we.Argv[len(we.Argv)-1] {
					t.Errorf("entrypoint %q, the example has %q", ge.Argv, we.Argv)
				}
			case ge.Path != we.Path:
				t.Errorf("entrypoint %q, the example has %q", ge.Path, we.Path)
			}
		})
	}
}

// script is the Python module an entrypoint runs: "app" for "app.py",
// ["python", "app.py"] and ["python", "-m", "app"]; "" otherwise.
func script(e descriptor.Entrypoint) string {
	a := e.Argv
	switch {
	case e.Path != "":
		return strings.TrimSuffix(e.Path, ".py")
	case len(a) == 3 && a[0] == "python" && a[1] == "-m":
		return a[2]
	case len(a) == 2 && a[0] == "python":
		return strings.TrimSuffix(a[1], ".py")
	}
	return ""
}
