package frontend

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

var amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

// loadForTest runs the build's validation (presets.Registry.Load) on src
// and returns the source map the frontend would have read it as.
func loadForTest(t *testing.T, src string, args map[string]string, targets ...ocispecs.Platform) (*llb.SourceMap, *presets.Loaded, error) {
	t.Helper()
	st := llb.Scratch()
	sm := llb.NewSourceMap(&st, "slim.toml", "toml", []byte(src))
	l, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: sm.Data, BuildArgs: args, Build: amd64, Targets: targets})
	return sm, l, err
}

// statusAndText renders results the way the lint subrequest answers buildx.
func statusAndText(t *testing.T, r *lint.LintResults) (string, string) {
	t.Helper()
	res, err := r.ToResult(nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	r.PrintErrorTo(&b, nil)
	return string(res.Metadata["result.statuscode"]), b.String()
}

func TestCheckOfAValidDescriptorHasNoErrorAndCarriesTheSource(t *testing.T) {
	src := "# syntax=org/slimfront\nlanguage = \"go\"\nentrypoint = \".\"\npreset = \"scratch\"\n"
	sm, _, err := loadForTest(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := lintResults(sm, err)
	if r.Error != nil || len(r.Warnings) != 0 {
		t.Fatalf("valid descriptor: error %+v, warnings %+v", r.Error, r.Warnings)
	}
	if len(r.Sources) != 1 || r.Sources[0].Filename != "slim.toml" || string(r.Sources[0].Data) != src {
		t.Fatalf("sources: %+v", r.Sources)
	}
	if code, text := statusAndText(t, r); code != "0" || text != "" {
		t.Fatalf("status %q, error text %q", code, text)
	}
}

func TestCheckLocatesEveryProblemOfTheDescriptor(t *testing.T) {
	src := "# syntax=org/slimfront\nlanguage = \"go\"\nentrypoint = \".\"\npreset = \"distrolss\"\nport = \"x\"\n"
	sm, _, err := loadForTest(t, src, nil)
	if err == nil {
		t.Fatal("expected Load to reject the descriptor")
	}
	r := lintResults(sm, err)
	if r.Error == nil {
		t.Fatal("no error in the lint result")
	}
	if !strings.Contains(r.Error.Message, `slim.toml:4:1: preset: unknown preset "distrolss"`) || !strings.Contains(r.Error.Message, `did you mean "distroless"`) || !strings.Contains(r.Error.Message, "slim.toml:5:1: port") {
		t.Errorf("message: %s", r.Error.Message)
	}
	var lines []int32
	for _, rg := range r.Error.Location.Ranges {
		lines = append(lines, rg.Start.Line)
	}
	if len(lines) != 2 || lines[0] != 4 || lines[1] != 5 || r.Error.Location.SourceIndex != 0 {
		t.Errorf("ranges on lines %v (source %d), want [4 5] in source 0", lines, r.Error.Location.SourceIndex)
	}
	code, text := statusAndText(t, r)
	if code != "1" {
		t.Errorf("status %q, want 1", code)
	}
	for _, want := range []string{"slim.toml:4\n", `>>> preset = "distrolss"`, `>>> port = "x"`} {
		if !strings.Contains(text, want) {
			t.Errorf("printed error lacks %q:\n%s", want, text)
		}
	}
}

func TestCheckSeesBuildArgsAndPlatforms(t *testing.T) {
	src := "language = \"go\"\nentrypoint = \".\"\n"
	sm, _, err := loadForTest(t, src, map[string]string{"SLIM_PRESET": "scratchy"})
	r := lintResults(sm, err)
	if r.Error == nil || !strings.Contains(r.Error.Message, "SLIM_PRESET") || len(r.Error.Location.Ranges) != 0 {
		t.Fatalf("build-arg override: %+v", r.Error)
	}
	sm, _, err = loadForTest(t, src, nil, ocispecs.Platform{OS: "windows", Architecture: "amd64"})
	r = lintResults(sm, err)
	if r.Error == nil || !strings.Contains(r.Error.Message, "windows/amd64") || len(r.Error.Location.Ranges) != 0 {
		t.Fatalf("windows platform: %+v", r.Error)
	}
	// Without ranges buildx prints the message and no excerpt.
	if _, text := statusAndText(t, r); strings.Contains(text, "----") {
		t.Errorf("excerpt printed for an error without a location:\n%s", text)
	}
}

func TestOutlineListsBuildArgsWithTheValuesTheBuildUses(t *testing.T) {
	src := "language = \"go\"\nentrypoint = \".\"\npreset = \"distroless\"\nversion = \"1.25\"\n[build]\nsecrets = [\"netrc\", \"token\"]\nssh = true\n"
	args := map[string]string{"SLIM_PRESET": "scratch", "SOURCE_DATE_EPOCH": "1700000000", "UNRELATED": "x"}
	_, l, err := loadForTest(t, src, args, amd64, ocispecs.Platform{OS: "linux", Architecture: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	o := outlineOf(l, args, map[string]string{"vcs:source": "https://example.com/app.git"})

	got := map[string]outline.Arg{}
	var names []string
	for _, a := range o.Args {
		got[a.Name] = a
		names = append(names, a.Name)
	}
	var want []string
	for _, a := range presets.BuildArgs {
		want = append(want, a.Name)
		if got[a.Name].Description != a.Description {
			t.Errorf("%s description %q", a.Name, got[a.Name].Description)
		}
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("args %v, want %v", names, want)
	}
	for name, v := range map[string]string{"SLIM_PRESET": "scratch", "SLIM_VERSION": "1.25", "SLIM_SOURCE": "https://example.com/app.git", "SLIM_REVISION": "", "SOURCE_DATE_EPOCH": "1700000000"} {
		if got[name].Value != v {
			t.Errorf("%s = %q, want %q", name, got[name].Value, v)
		}
	}
	if loc := got["SLIM_PRESET"].Location; loc != nil {
		t.Errorf("SLIM_PRESET set by a build arg has a location in the file: %v", loc)
	}
	if loc := got["SLIM_VERSION"].Location; loc == nil || loc.Ranges[0].Start.Line != 4 {
		t.Errorf("SLIM_VERSION location %v, want line 4", loc)
	}
	if len(o.Secrets) != 2 || o.Secrets[0].Name != "netrc" || o.Secrets[1].Name != "token" || !o.Secrets[1].Required || o.Secrets[0].Location == nil || o.Secrets[0].Location.Ranges[0].Start.Line != 6 {
		t.Errorf("secrets %+v", o.Secrets)
	}
	if len(o.SSH) != 1 || o.SSH[0].Name != "default" || o.SSH[0].Location == nil || o.SSH[0].Location.Ranges[0].Start.Line != 7 {
		t.Errorf("ssh %+v", o.SSH)
	}
	if len(o.Cache) == 0 {
		t.Error("no cache mounts listed for a Go build (module and build caches)")
	}
	if o.Description != "go app on scratch for linux/amd64, linux/arm64" {
		t.Errorf("description %q", o.Description)
	}

	// What buildx prints: the table from the result BuildKit's outline package renders.
	dt, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := outline.PrintOutline(dt, &b); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"SLIM_PRESET         scratch", "netrc    true", "default   true"} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("printed outline lacks %q:\n%s", line, b.String())
		}
	}
}

func TestOutlineShowsTheDefaultPresetAndItsLine(t *testing.T) {
	_, l, err := loadForTest(t, "language = \"go\"\nentrypoint = \".\"\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	o := outlineOf(l, nil, nil)
	if a := o.Args[0]; a.Name != "SLIM_PRESET" || a.Value != presets.DefaultBase || a.Location != nil {
		t.Errorf("default preset arg %+v", a)
	}
	if len(o.Secrets) != 0 || len(o.SSH) != 0 {
		t.Errorf("secrets %v ssh %v for a descriptor without them", o.Secrets, o.SSH)
	}

	_, l, err = loadForTest(t, "language = \"go\"\nentrypoint = \".\"\npreset = \"alpine\"\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := outlineOf(l, nil, nil).Args[0]; a.Value != "alpine" || a.Location == nil || a.Location.Ranges[0].Start.Line != 3 {
		t.Errorf("preset from the file: %+v", a)
	}
}

func TestTargetsIsOneDefaultTargetOnTheFinalBase(t *testing.T) {
	for preset, base := range map[string]string{"scratch": "scratch", "distroless": "gcr.io/distroless/static-debian13:nonroot"} {
		_, l, err := loadForTest(t, "language = \"go\"\nentrypoint = \".\"\npreset = \""+preset+"\"\n", nil)
		if err != nil {
			t.Fatal(err)
		}
		lst := targetsOf(l)
		if len(lst.Targets) != 1 || !lst.Targets[0].Default || lst.Targets[0].Name != "" {
			t.Fatalf("%s: targets %+v", preset, lst.Targets)
		}
		if got := lst.Targets[0].Base; !strings.HasSuffix(got, base) {
			t.Errorf("%s: base %q, want %q", preset, got, base)
		}
	}
}

func TestOutlineShowsTheEntrypointTheBuildUses(t *testing.T) {
	name := presets.BuildArgFor("entrypoint")
	if name == "" {
		t.Skip("no build arg overrides the entrypoint")
	}
	for args, want := range map[string]string{"": "cmd/server", "./cmd/worker": "cmd/worker"} {
		_, l, err := loadForTest(t, "language = \"go\"\nentrypoint = \"./cmd/server\"\n", map[string]string{name: args})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range outlineOf(l, map[string]string{name: args}, nil).Args {
			if a.Name == name && a.Value != want {
				t.Errorf("%s=%q: value %q, want %q", name, args, a.Value, want)
			}
		}
	}
}
