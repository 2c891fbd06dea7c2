package golang

import (
	"github.com/slimfront/slimfront/presets/presettest"
	"reflect"
	"strings"
	"testing"
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
		"none":    {map[string]string{"go.mod": "module x\n", "lib.go": "package x\n"}, "no main package"},
		"several": {map[string]string{"go.mod": "module x\n", "cmd/b/main.go": "package main\n", "cmd/a/main.go": "package main\n"}, "several main packages: ./cmd/a, ./cmd/b; choose one with --entrypoint, e.g. slim init --entrypoint ./cmd/a"},
	} {
		if _, err := (Preset{}).Detect(presettest.Tree(t, tc.files), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}

func TestDetectNotesVendorWorkspaceAndCgo(t *testing.T) {
	d, err := Preset{}.Detect(presettest.Tree(t, map[string]string{
		"go.mod":                    "module x\n\ngo 1.24\n\nreplace example.com/lib => ./lib\n",
		"go.work":                   "go 1.24\n\nuse (\n\t.\n\t./lib\n)\n",
		"lib/go.mod":                "module example.com/lib\n",
		"main.go":                   "package main\n",
		"vendor/modules.txt":        "# example.com/c v1.0.0\n",
		"vendor/example.com/c/c.go": "package c\n\n// #include <stdio.h>\nimport \"C\"\n",
	}), "")
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(d.Notes, "\n")
	for _, want := range []string{"# go.work: every module it uses", "# vendor/modules.txt: the build uses the vendored modules", `# vendor/example.com/c imports "C": add [build.env] CGO_ENABLED = "1"`} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
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
