// Package presettest is the harness the language presets' tests share:
// parse a descriptor, plan it, and compare the plan with a golden file
// (testdata/<name>.plan, in llbgen.Format's text), or rewrite the golden
// files with `go test ./presets/<language> -update`. Only tests import it.
package presettest

import (
	"flag"
	"os"
	"path/filepath"
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

// Planner is the part of presets.Preset the harness uses.
type Planner interface {
	Plan(app *descriptor.App, t presets.Target) (llbgen.Plan, error)
}

// WithBase returns src with its first "%s" replaced by b: the descriptors
// in the tests leave their preset value as "%s".
func WithBase(src, b string) string { return strings.Replace(src, "%s", b, 1) }

// Parse parses src as a slim.toml ("slim.toml" in messages) whose only
// valid language is lang and whose valid presets are every base
// (base.All), and returns the App; a parse error fails t at once.
func Parse(t testing.TB, lang, src string) *descriptor.App {
	t.Helper()
	app, err := descriptor.Parse("slim.toml", []byte(src), descriptor.Options{
		Languages: []string{lang}, Presets: base.Names(base.All()),
	})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// Plan asks p for the Plan of app for target and checks it is internally
// consistent (llbgen.Validate); an error from either fails t at once.
func Plan(t testing.TB, p Planner, app *descriptor.App, target presets.Target) llbgen.Plan {
	t.Helper()
	plan, err := p.Plan(app, target)
	if err != nil {
		t.Fatal(err)
	}
	if err := llbgen.Validate(plan); err != nil {
		t.Fatal(err)
	}
	return plan
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
