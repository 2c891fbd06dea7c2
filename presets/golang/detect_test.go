package golang

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/presets/presettest"
)

func TestDetectFindsTheMainPackage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		entry string
		path  string
		deps  []string
		port  int
	}{
		{"root", map[string]string{"go.mod": "module x\n", "go.sum": "", "main.go": "package main\n\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n"}, "", ".", []string{"go.mod", "go.sum"}, 8080},
		{"only cmd", map[string]string{"go.mod": "module x\n", "cmd/api/main.go": "package main\n", "tools/gen/main.go": "package main\n"}, "", "./cmd/api", []string{"go.mod"}, 0},
		{"only main package; nested modules, tests, ignored files, testdata left out", map[string]string{"go.mod": "module x\n", "server/main.go": "package main\n", "lib/lib.go": "package lib\n",
			"tools/go.mod": "module tools\n", "tools/gen/main.go": "package main\n", "gen.go": "//go:build ignore\n\npackage main\n", "x_test.go": "package main\n", "testdata/m/main.go": "package main\n"}, "", "./server", []string{"go.mod"}, 0},
		{"from --entrypoint", map[string]string{"go.mod": "module x\n", "cmd/a/main.go": "package main\n", "cmd/b/main.go": "package main\n"}, "cmd/b/", "./cmd/b", []string{"go.mod"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Preset{}.Detect(presettest.Tree(t, tc.files), tc.entry)
			if err != nil {
				t.Fatal(err)
			}
			if d.Path != tc.path || d.Argv != nil || !reflect.DeepEqual(d.Deps, tc.deps) || d.Port != tc.port {
				t.Errorf("got path %q argv %q deps %q port %d; want %q, none, %q, %d", d.Path, d.Argv, d.Deps, d.Port, tc.path, tc.deps, tc.port)
			}
		})
	}
}

func TestDetectVersionNoteUsesThePresetDefault(t *testing.T) {
	d, err := Preset{}.Detect(presettest.Tree(t, map[string]string{"go.mod": "module x\n\ngo 1.24.1\n", "main.go": "package main\n"}), "")
	if err != nil {
		t.Fatal(err)
	}
	want := `# version = "` + DefaultVersion + `"     # Go toolchain, MAJOR.MINOR; default ` + DefaultVersion + " (go.mod says go 1.24)"
	if !reflect.DeepEqual(d.Notes, []string{want}) {
		t.Errorf("notes %q, want %q", d.Notes, want)
	}
}

func TestDetectFailsWithoutOneMainPackage(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"none":                     {map[string]string{"go.mod": "module x\n", "lib.go": "package x\n"}, "no main package"},
		"several, none under cmd/": {map[string]string{"go.mod": "module x\n", "worker/main.go": "package main\n", "server/main.go": "package main\n"}, "several main packages: ./server, ./worker; choose one with --entrypoint, e.g. slim init --entrypoint ./server"},
	} {
		if _, err := (Preset{}).Detect(presettest.Tree(t, tc.files), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}

func TestDetectWritesVendorWorkspaceAndCgoOfTheMainPackagesDeps(t *testing.T) {
	files := map[string]string{
		"go.mod":                    "module x\n\ngo 1.24\n\nrequire example.com/c v1.0.0\n\nreplace example.com/lib => ./lib\n",
		"go.work":                   "go 1.24\n\nuse (\n\t.\n\t./lib\n)\n",
		"lib/go.mod":                "module example.com/lib\n",
		"lib/lib.go":                "package lib\n\nimport _ \"example.com/c\"\n",
		"main.go":                   "package main\n\nimport _ \"example.com/lib\"\n",
		"vendor/modules.txt":        "# example.com/c v1.0.0\n## explicit\nexample.com/c\n",
		"vendor/example.com/c/c.go": "package c\n\n// #include <stdio.h>\nimport \"C\"\n",
	}
	d, err := Preset{}.Detect(presettest.Tree(t, files), "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"go.mod", "go.work", "vendor/modules.txt"}; !reflect.DeepEqual(d.Deps, want) {
		t.Errorf("deps %q, want %q", d.Deps, want)
	}
	if len(d.BuildEnv) != 1 || d.BuildEnv[0].Key != "CGO_ENABLED" || d.BuildEnv[0].Value != "1" || !strings.Contains(d.BuildEnv[0].Note, "the root package imports example.com/c") {
		t.Errorf("build env %+v: want CGO_ENABLED = 1 for example.com/c, reached through the local module", d.BuildEnv)
	}
	if notes := strings.Join(d.Notes, "\n"); !strings.Contains(notes, "# go.work: every module it uses") || strings.Contains(notes, "not read for cgo") {
		t.Errorf("notes %q", notes)
	}
	// The same cgo package in vendor/ but not imported: no cgo.
	files["lib/lib.go"] = "package lib\n"
	if d, err := (Preset{}).Detect(presettest.Tree(t, files), ""); err != nil || len(d.BuildEnv) != 0 {
		t.Errorf("a cgo package outside the main package's graph: env %+v, err %v", d.BuildEnv, err)
	}
}

func TestDetectReadsTheModuleCacheAndNamesWhatIsNotThere(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("GOMODCACHE", cache)
	mod := filepath.Join(cache, "github.com", "!acme", "sqlite@v1.2.3") // module.EscapePath: upper case as !lower
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "sqlite.go"), []byte("package sqlite\n\n/*\n#include <stdlib.h>\n*/\nimport \"C\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := presettest.Tree(t, map[string]string{
		"go.mod":          "module x\n\ngo 1.24\n\nrequire (\n\tgithub.com/Acme/sqlite v1.2.3\n\tgithub.com/gone/away v0.1.0\n)\n",
		"cmd/api/main.go": "package main\n\nimport (\n\t\"net/http\"\n\n\t_ \"github.com/Acme/sqlite\"\n)\n\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n",
		"cmd/gc/main.go":  "package main\n\n// #include <stdlib.h>\nimport \"C\"\nimport _ \"github.com/gone/away/sub\"\n",
	})
	d, err := Preset{}.Detect(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != "./cmd/api" || len(d.BuildEnv) != 1 || !strings.Contains(d.BuildEnv[0].Note, `./cmd/api imports github.com/Acme/sqlite; ./cmd/gc imports "C" itself`) {
		t.Errorf("path %q env %+v", d.Path, d.BuildEnv)
	}
	notes := strings.Join(d.Notes, "\n")
	for _, want := range []string{"# The other binaries under cmd/: ./cmd/gc.", "--build-arg SLIM_ENTRYPOINT=./cmd/gc -t gc .", "not read for cgo (not downloaded on this machine: go mod download): github.com/gone/away;"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

func TestDetectRefusesALocalReplaceOutsideTheContext(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"go.mod:5: replace example.com/lib => ../lib": {"go.mod": "module x\n\ngo 1.24\n\nreplace example.com/lib => ../lib\n", "main.go": "package main\n"},
		"go.work:5: use => ../shared":                 {"go.mod": "module x\n", "go.work": "go 1.24\n\nuse (\n\t.\n\t../shared\n)\n", "main.go": "package main\n"},
	} {
		_, err := Preset{}.Detect(presettest.Tree(t, files), "")
		if err == nil || !strings.Contains(err.Error(), name+": the directory is outside") {
			t.Errorf("err = %v, want %q", err, name)
		}
	}
}
