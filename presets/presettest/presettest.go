// Package presettest is the harness the language presets' tests share:
// parse a descriptor, plan it, and compare the plan with a golden file
// (testdata/<name>.plan, in llbgen.Format's text), or rewrite the golden
// files with `go test ./presets/<language> -update`. Only tests import it.
package presettest

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

var update = flag.Bool("update", false, "rewrite the golden plans under testdata/ instead of comparing with them")

// The platforms the golden plans are made for.
var (
	Amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	Arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

// WithBase returns src with its first "%s" replaced by b: the descriptors
// in the tests leave their preset value as "%s".
func WithBase(src, b string) string { return strings.Replace(src, "%s", b, 1) }

// Harness parses and plans descriptors of one language with its preset.
type Harness struct {
	// Language is the only valid language value ("go").
	Language string
	// Preset plans the parsed descriptors, through a registry of its own
	// (presets.Registry.Plan), so the plan is the one the frontend builds:
	// base check and start check included.
	Preset presets.Preset
	// Target is what Plan plans for; without a target architecture,
	// linux/amd64 built on linux/amd64.
	Target presets.Target
}

// Parse parses src as a slim.toml ("slim.toml" in messages) whose only
// valid language is h.Language and whose valid presets are every base
// (base.All), and returns the App; a parse error fails t at once.
func (h Harness) Parse(t testing.TB, src string) *descriptor.App {
	t.Helper()
	app, err := descriptor.Parse("slim.toml", []byte(src), descriptor.Options{
		Languages: []string{h.Language}, Presets: base.Names(base.All()),
	})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// Plan parses src (Parse), plans it with a registry holding h.Preset for
// h.Target (as the frontend does, start check included) and
// checks the Plan is internally consistent (llbgen.Validate); an error from
// any of them fails t at once.
func (h Harness) Plan(t testing.TB, src string) llbgen.Plan {
	t.Helper()
	target := h.Target
	if target.Platform.Architecture == "" {
		target = presets.Target{Build: Amd64, Platform: Amd64}
	}
	plan, err := presets.NewRegistry(h.Preset).Plan(h.Parse(t, src), target)
	if err != nil {
		t.Fatal(err)
	}
	if err := llbgen.Validate(plan); err != nil {
		t.Fatal(err)
	}
	return plan
}

// Stage returns the stage of plan called name; a plan without one fails t
// at once.
func Stage(t testing.TB, plan llbgen.Plan, name string) llbgen.Stage {
	t.Helper()
	i := slices.IndexFunc(plan.Stages, func(s llbgen.Stage) bool { return s.Name == name })
	if i < 0 {
		t.Fatalf("no stage %q", name)
	}
	return plan.Stages[i]
}

// Golden compares llbgen.Format(plan) with testdata/<name>.plan, relative
// to the test's working directory (its package directory), and reports a
// difference with t.Errorf, showing the new text. With -update it writes the
// file (creating testdata/, mode 0644) instead; a write error, or a golden
// file that cannot be read, fails t at once.
func Golden(t testing.TB, name string, plan llbgen.Plan) {
	t.Helper()
	got := llbgen.Format(plan)
	golden := filepath.Join("testdata", name+".plan")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatalf("-update: %v", err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatalf("-update: %v", err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("plan differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
}

// Final returns the stage of the image itself: the last stage that is not
// a Verify stage (the start check follows it); a plan without one fails t.
func Final(t testing.TB, plan llbgen.Plan) llbgen.Stage {
	t.Helper()
	for i := len(plan.Stages) - 1; i >= 0; i-- {
		if !plan.Stages[i].Verify {
			return plan.Stages[i]
		}
	}
	t.Fatal("plan has no image stage")
	return llbgen.Stage{}
}

// Tree writes files (slash-separated paths relative to a new temporary
// directory -> contents, parents created) and returns the directory, for
// tests of detection and `slim init`; an I/O error fails t at once.
func Tree(t testing.TB, files map[string]string) string {
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
