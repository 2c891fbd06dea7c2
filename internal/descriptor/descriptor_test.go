package descriptor

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testOpts = Options{
	Languages: []string{"go", "node", "python"},
	Presets:   []string{"alpine", "distroless", "scratch"},
}

const fullFile = `# syntax=org/slimfront
language   = "go"
version    = "1.26"
entrypoint = "./cmd/server/"
deps       = ["go.mod", "./go.sum"]
preset     = "scratch"
port       = 8080
user       = "65532:65532"
workdir    = "/app/"
size_budget = "15MB"
[env]
TZ = "UTC"
GIN_MODE = "release"
[build]
packages = ["git", "make"]
env      = { CGO_ENABLED = "0", GOFLAGS = "-trimpath" }
script   = "build"
secrets  = ["pip_token", "npmrc"]
ssh      = true
[run]
include  = ["templates/", "static/css"]
packages = ["ca-certificates"]
`

func TestParse_aFullFileFillsEveryField(t *testing.T) {
	app, err := Parse("slim.toml", []byte(fullFile), testOpts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &App{
		File:       "slim.toml",
		Source:     []byte(fullFile),
		Language:   "go",
		Version:    "1.26",
		Entrypoint: Entrypoint{Path: "cmd/server"},
		Deps:       []string{"go.mod", "go.sum"},
		Preset:     "scratch",
		Port:       8080,
		Env:        []KV{{"GIN_MODE", "release"}, {"TZ", "UTC"}},
		User:       "65532:65532",
		Workdir:    "/app",
		SizeBudget: 15_000_000,
		Build: Build{
			Packages: []string{"git", "make"},
			Env:      []KV{{"CGO_ENABLED", "0"}, {"GOFLAGS", "-trimpath"}},
			Script:   "build",
			Secrets:  []string{"pip_token", "npmrc"},
			SSH:      true,
		},
		Run: Run{
			Include:  []string{"templates", "static/css"},
			Packages: []string{"ca-certificates"},
		},
	}
	app.ranges = nil
	if !reflect.DeepEqual(app, want) {
		t.Errorf("got  %+v\nwant %+v", app, want)
	}
}

func TestParse_aMinimalFileLeavesOptionalFieldsZero(t *testing.T) {
	src := "language = \"go\"\nentrypoint = \".\"\n"
	app, err := Parse("slim.toml", []byte(src), testOpts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if app.Entrypoint.Path != "." || app.Version != "" || app.Preset != "" || app.Port != 0 ||
		app.User != "" || app.Workdir != "" || app.SizeBudget != 0 || app.Deps != nil || app.Env != nil {
		t.Errorf("unexpected defaults: %+v", app)
	}
}

func TestParse_entrypointForms(t *testing.T) {
	tests := []struct {
		name, value string
		want        Entrypoint
	}{
		{"dot slash becomes dot", `"./"`, Entrypoint{Path: "."}},
		{"a file keeps its name", `"app.py"`, Entrypoint{Path: "app.py"}},
		{"a package dir loses ./ and trailing slash", `"./cmd/server/"`, Entrypoint{Path: "cmd/server"}},
		{"inner dot-dots are cleaned", `"cmd/../app.py"`, Entrypoint{Path: "app.py"}},
		{"an array is an argv", `["gunicorn", "app:app"]`, Entrypoint{Argv: []string{"gunicorn", "app:app"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := Parse("slim.toml", []byte("language = \"python\"\nentrypoint = "+tt.value), testOpts)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(app.Entrypoint, tt.want) {
				t.Errorf("got %+v, want %+v", app.Entrypoint, tt.want)
			}
		})
	}
}

func TestParse_sizeBudgetUnits(t *testing.T) {
	tests := []struct {
		value string
		want  int64
	}{
		{`"15MB"`, 15_000_000},
		{`"15MiB"`, 15 << 20},
		{`"900kB"`, 900_000},
		{`"900KB"`, 900_000},
		{`"1.5 GB"`, 1_500_000_000},
		{`"2GiB"`, 2 << 30},
		{`"512B"`, 512},
		{`"4096"`, 4096},
		{`1234`, 1234},
	}
	for _, tt := range tests {
		t.Run(tt.value+" is accepted", func(t *testing.T) {
			app, err := Parse("slim.toml", []byte("language = \"go\"\nentrypoint = \".\"\nsize_budget = "+tt.value), testOpts)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if app.SizeBudget != tt.want {
				t.Errorf("got %d, want %d", app.SizeBudget, tt.want)
			}
		})
	}
}

func TestParse_aByteOrderMarkIsIgnored(t *testing.T) {
	src := "\xef\xbb\xbflanguage = \"go\"\nentrypoint = \".\"\n"
	app, err := Parse("slim.toml", []byte(src), testOpts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if r, _ := app.Range("language"); r.Start != (Pos{1, 1}) {
		t.Errorf("language starts at %v, want 1:1", r.Start)
	}
}

func TestApp_RangeLocatesKeysElementsAndTables(t *testing.T) {
	app, err := Parse("slim.toml", []byte(fullFile), testOpts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	tests := []struct {
		key  string
		want Range
	}{
		{"language", Range{Pos{2, 1}, Pos{2, 18}}},
		{"entrypoint", Range{Pos{4, 1}, Pos{4, 29}}},
		{"deps", Range{Pos{5, 1}, Pos{5, 36}}},
		{"deps[1]", Range{Pos{5, 25}, Pos{5, 35}}},
		{"env", Range{Pos{11, 2}, Pos{11, 5}}},
		{"env.GIN_MODE", Range{Pos{13, 1}, Pos{13, 21}}},
		{"build", Range{Pos{14, 2}, Pos{14, 7}}},
		{"build.packages", Range{Pos{15, 1}, Pos{15, 27}}},
		{"build.packages[0]", Range{Pos{15, 13}, Pos{15, 18}}},
		{"build.env.GOFLAGS", Range{Pos{16, 33}, Pos{16, 54}}},
		{"run.include[1]", Range{Pos{21, 27}, Pos{21, 39}}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, ok := app.Range(tt.key)
			if !ok || got != tt.want {
				t.Errorf("Range(%q) = %v, %v; want %v", tt.key, got, ok, tt.want)
			}
		})
	}
	for _, key := range []string{"nope", "build.script.x", "deps[2]", ""} {
		if r, ok := app.Range(key); ok {
			t.Errorf("Range(%q) = %v, want not found", key, r)
		}
	}
}

func TestParse_overrides(t *testing.T) {
	src := "language = \"go\"\nentrypoint = \".\"\npreset = \"scratch\"\nversion = \"1.25\"\n"
	t.Run("a valid override replaces the value and hides its range", func(t *testing.T) {
		opts := testOpts
		opts.Overrides = map[string]string{"preset": "alpine", "version": "1.26"}
		app, err := Parse("slim.toml", []byte(src), opts)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if app.Preset != "alpine" || app.Version != "1.26" {
			t.Errorf("got preset %q version %q", app.Preset, app.Version)
		}
		if _, ok := app.Range("preset"); ok {
			t.Error("Range(preset) is still found after the override")
		}
		if _, ok := app.Range("language"); !ok {
			t.Error("Range(language) lost")
		}
	})
	t.Run("an empty override is ignored", func(t *testing.T) {
		opts := testOpts
		opts.Overrides = map[string]string{"preset": ""}
		app, err := Parse("slim.toml", []byte(src), opts)
		if err != nil || app.Preset != "scratch" {
			t.Fatalf("got %v, %v", app, err)
		}
	})
}

func TestErrorf(t *testing.T) {
	app, err := Parse("slim.toml", []byte(fullFile), testOpts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	tests := []struct {
		name string
		app  *App
		key  string
		want string
	}{
		{"a present key is located at its range", app, "entrypoint",
			`slim.toml:4:1: entrypoint: not found in build context: "cmd/server"`},
		{"an array element is located at the element", app, "deps[1]",
			`slim.toml:5:25: deps[1]: not found in build context: "cmd/server"`},
		{"a missing key falls back to its table", app, "run.user",
			`slim.toml:20:2: run.user: not found in build context: "cmd/server"`},
		{"a missing subkey falls back to its parent key", app, "version.x",
			`slim.toml:3:1: version.x: not found in build context: "cmd/server"`},
		{"an unknown top-level key has no line", app, "cache",
			`slim.toml: cache: not found in build context: "cmd/server"`},
		{"a nil app gives a bare message", nil, "entrypoint",
			`descriptor: entrypoint: not found in build context: "cmd/server"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Errorf(tt.app, tt.key, "not found in build context: %q", "cmd/server").Error()
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestJoin(t *testing.T) {
	a := &Error{File: "slim.toml", Problems: []Problem{{Key: "b", Range: Range{Start: Pos{5, 1}}, Msg: "five"}}}
	b := &Error{File: "slim.toml", Problems: []Problem{
		{Key: "x", Msg: "nowhere"},
		{Key: "a", Range: Range{Start: Pos{2, 3}}, Msg: "two"},
	}}
	t.Run("nothing to join is nil", func(t *testing.T) {
		if got := Join(); got != nil {
			t.Errorf("Join() = %v", got)
		}
		if got := Join(nil, &Error{File: "x"}, nil); got != nil {
			t.Errorf("Join(nil, empty, nil) = %v", got)
		}
	})
	t.Run("problems are merged in line order with unlocated ones last", func(t *testing.T) {
		got := Join(nil, a, b).Error()
		want := "slim.toml:2:3: a: two\nslim.toml:5:1: b: five\nslim.toml: x: nowhere"
		if got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("joining does not modify the inputs", func(t *testing.T) {
		if b.Problems[0].Key != "x" {
			t.Error("input reordered")
		}
	})
}

func TestError_isNeverEmpty(t *testing.T) {
	for _, e := range []*Error{nil, {}, {File: "slim.toml"}} {
		if e.Error() == "" {
			t.Errorf("%#v.Error() is empty", e)
		}
	}
	var err error = &Error{File: "slim.toml", Problems: []Problem{{Msg: "x"}}}
	var de *Error
	if !errors.As(err, &de) {
		t.Error("errors.As fails")
	}
}

func TestParse_pathologicalInputIsFast(t *testing.T) {
	inputs := map[string]string{
		"deeply nested arrays":      "deps = " + strings.Repeat("[", 9000) + strings.Repeat("]", 9000),
		"a huge array":              "deps = [" + strings.Repeat(`"a",`, 200_000) + "]",
		"many env keys":             manyEnvKeys(40_000),
		"keys just under limit":     manyEnvKeys(maxKeys - 1),
		"inline tables in an array": "deps = [" + strings.Repeat("{a=1},", 150_000) + "]",
		"arrays in an array":        "deps = [" + strings.Repeat("[[1]],", 150_000) + "]",
		"many tables":               strings.Repeat("[[run]]\ninclude = [\"x\"]\n", 30_000),
		"nested inline tables":      "build = " + strings.Repeat("{a=", 5000) + "1" + strings.Repeat("}", 5000),
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse("slim.toml", []byte(src), testOpts)
			if err == nil {
				t.Fatal("expected problems")
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func manyEnvKeys(n int) string {
	var b strings.Builder
	b.WriteString("[env]\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "K%d = %d\n", i, i)
	}
	return b.String()
}

func TestParse_emptyOptionListsAcceptAnyNonEmptyValue(t *testing.T) {
	app, err := Parse("slim.toml", []byte("language = \"rust\"\nentrypoint = \".\"\npreset = \"mine\"\n"), Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if app.Language != "rust" || app.Preset != "mine" {
		t.Errorf("got %q %q", app.Language, app.Preset)
	}
	_, err = Parse("slim.toml", []byte("language = \"\"\nentrypoint = \".\"\n"), Options{})
	if err == nil || err.Error() != "slim.toml:1:1: language: language must not be empty" {
		t.Errorf("got %v", err)
	}
}
