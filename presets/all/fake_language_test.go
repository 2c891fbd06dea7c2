package all_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

// toy is a fourth language as small as a preset can be: apps with a
// toy.mod, run from a main.toy copied onto scratch. It lives only in this
// file, to show that a language is one package implementing
// presets.Preset plus its line in all.Presets, and nothing else.
type toy struct{}

func (toy) Language() string { return "toy" }
func (toy) Bases() []string  { return []string{"scratch"} }

func (toy) Plan(app *descriptor.App, t presets.Target) (llbgen.Plan, error) {
	return llbgen.Plan{
		Stages: []llbgen.Stage{{
			Name: "final", Reason: "the toy program on nothing", Base: llbgen.Base{Scratch: true},
			Steps: []llbgen.Step{{Reason: "the program", Key: "entrypoint", Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{app.Entrypoint.Path}, Dest: "/app/"}}},
		}},
		Image:  presets.RuntimeConfig(app, []string{"/app/" + app.Entrypoint.Path}, "/app"),
		Checks: []llbgen.PathCheck{{Key: "entrypoint", Path: app.Entrypoint.Path}},
	}, nil
}

func (toy) Info() presets.LanguageInfo {
	return presets.LanguageInfo{Name: "Toy", Markers: []string{"toy.mod"}, SourceExt: ".toy"}
}

func (toy) Detect(dir, entry string) (*presets.Detection, error) {
	if entry == "" {
		entry = "main.toy"
	}
	return &presets.Detection{Path: entry, EntryNote: "the program", Deps: []string{"toy.mod"}, DepsNote: "the module file"}, nil
}

const toySlimToml = "language = \"toy\"\nentrypoint = \"main.toy\"\ndeps = [\"toy.mod\"]\n"

func TestAFourthLanguageIsOnePackageAndOneRegistryLine(t *testing.T) {
	ps := append(all.Presets(), toy{}) // the registry line
	reg := presets.NewRegistry(ps...)

	// Without the line the descriptor names an unknown language ...
	if _, err := descriptor.Parse("slim.toml", []byte(toySlimToml), all.Registry().Options(nil)); err == nil {
		t.Fatal("the shipped registry accepts language = \"toy\"; this test proves nothing")
	}
	// ... with it, it parses and plans on every base the preset lists.
	app, err := descriptor.Parse("slim.toml", []byte(toySlimToml), reg.Options(nil))
	if err != nil {
		t.Fatalf("descriptor with the registered language: %v", err)
	}
	p := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	for _, base := range (toy{}).Bases() {
		app.Preset = base
		plan, err := reg.Plan(app, presets.Target{Build: p, Platform: p})
		if err != nil {
			t.Fatalf("plan on %s: %v", base, err)
		}
		// the toy's own stage, then the start check every plan gets
		if len(plan.Stages) != 2 || !plan.Stages[1].Verify || len(plan.Image.Labels) == 0 || plan.Image.Labels[0].Value != "toy" {
			t.Errorf("plan on %s: %+v, want the toy preset's and the start check", base, plan)
		}
	}

	// slim init's detection finds it by its marker file, ...
	dir := t.TempDir()
	write := func(name string) {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("toy.mod")
	write("main.toy")
	d, err := presets.Detect(dir, "", "", ps)
	if err != nil {
		t.Fatal(err)
	}
	if d.Language != "toy" || d.Path != "main.toy" {
		t.Errorf("detected %s %q, want toy main.toy", d.Language, d.Path)
	}
	// ... names it when asked for a language or when there is none ...
	if _, err := presets.Detect(dir, "cobol", "", ps); err == nil || !strings.Contains(err.Error(), "knows go, python, node and toy") {
		t.Errorf("--language cobol: %v, want the list of languages with toy", err)
	}
	if _, err := presets.Detect(t.TempDir(), "", "", ps); err == nil || !strings.Contains(err.Error(), "has no go.mod, requirements.txt, pyproject.toml, Pipfile, requirements/prod.txt, requirements/production.txt, package.json or toy.mod: slim init detects Go, Python, Node and Toy apps") {
		t.Errorf("empty dir: %v, want the markers and names with toy's", err)
	}
	// ... and lists it among the candidates of a directory with several.
	write("go.mod")
	if _, err := presets.Detect(dir, "", "", ps); err == nil || !strings.Contains(err.Error(), "several languages: go (go.mod); toy (toy.mod); choose one with --language go|toy") {
		t.Errorf("go.mod + toy.mod: %v, want both listed", err)
	}
	if d, err := presets.Detect(dir, "toy", "", ps); err != nil || d.Language != "toy" {
		t.Errorf("--language toy: %+v, %v", d, err)
	}
}
