package presettest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

// recorder is a testing.TB that records failures instead of reporting
// them; Fatal ends the goroutine that calls it, as testing.T's does.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	runtime.Goexit()
}

// run calls f with a recorder in its own goroutine, so Fatalf can end it.
func run(t *testing.T, f func(testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

var plan = llbgen.Plan{Stages: []llbgen.Stage{{Name: "final", Base: llbgen.Base{Scratch: true}}}}

func setUpdate(t *testing.T, v bool) {
	old := *update
	*update = v
	t.Cleanup(func() { *update = old })
}

func TestGoldenMatchesDiffersAndIsMissing(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "same.plan"), []byte(llbgen.Format(plan)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "other.plan"), []byte("stage x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, func(tb testing.TB) { Golden(tb, "same", plan) }); len(r.errors) != 0 {
		t.Errorf("same plan: %q", r.errors)
	}
	if r := run(t, func(tb testing.TB) { Golden(tb, "other", plan) }); len(r.errors) != 1 || r.fatal || !strings.Contains(r.errors[0], "testdata/other.plan") {
		t.Errorf("different plan: errors %q, fatal %v", r.errors, r.fatal)
	}
	if r := run(t, func(tb testing.TB) { Golden(tb, "missing", plan) }); !r.fatal {
		t.Errorf("missing golden: errors %q, not fatal", r.errors)
	}
}

func TestUpdateWritesTheGolden(t *testing.T) {
	t.Chdir(t.TempDir())
	setUpdate(t, true)
	if r := run(t, func(tb testing.TB) { Golden(tb, "new", plan) }); len(r.errors) != 0 {
		t.Fatalf("-update: %q", r.errors)
	}
	got, err := os.ReadFile(filepath.Join("testdata", "new.plan"))
	if err != nil || string(got) != llbgen.Format(plan) {
		t.Errorf("testdata/new.plan = %q, %v; want %q", got, err, llbgen.Format(plan))
	}
}

func TestUpdateFailsLoudlyWhenItCannotWrite(t *testing.T) {
	t.Chdir(t.TempDir())
	setUpdate(t, true)
	// testdata is a file, so neither the directory nor the golden can be made.
	if err := os.WriteFile("testdata", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, func(tb testing.TB) { Golden(tb, "x", plan) }); !r.fatal || !strings.Contains(strings.Join(r.errors, ""), "-update") {
		t.Errorf("write error: errors %q, fatal %v", r.errors, r.fatal)
	}
}

// planner is a "go" preset on every base whose Plan is one scratch stage
// named after the base, or err (the other Preset methods are not used).
type planner struct {
	presets.Preset
	err error
}

func (planner) Language() string { return "go" }
func (planner) Bases() []string  { return base.Names(base.All()) }

func (p planner) Plan(app *descriptor.App, t presets.Target) (llbgen.Plan, error) {
	if p.err != nil {
		return llbgen.Plan{}, p.err
	}
	return llbgen.Plan{Stages: []llbgen.Stage{{Name: app.Preset + "-" + t.Platform.Architecture, Base: llbgen.Base{Scratch: true}}}}, nil
}

func TestHarnessParsesEveryBaseOnlyForItsLanguageAndPlansForAmd64(t *testing.T) {
	h := Harness{Language: "go", Preset: planner{}}
	for _, b := range []string{"alpine", "distroless", "scratch"} {
		p := h.Plan(t, WithBase("language = \"go\"\nentrypoint = \".\"\npreset = \"%s\"\n", b))
		if got := Stage(t, p, b+"-amd64"); got.Name != b+"-amd64" {
			t.Errorf("stage %q", got.Name)
		}
	}
	if r := run(t, func(tb testing.TB) { h.Parse(tb, "language = \"node\"\nentrypoint = \"a.js\"\n") }); !r.fatal {
		t.Error("a language other than h.Language parsed")
	}
	h.Preset = planner{err: errors.New("no")}
	if r := run(t, func(tb testing.TB) { h.Plan(tb, "language = \"go\"\nentrypoint = \".\"\n") }); !r.fatal {
		t.Error("a Plan error did not fail the test")
	}
	if r := run(t, func(tb testing.TB) { Stage(tb, plan, "nope") }); !r.fatal {
		t.Error("a missing stage did not fail the test")
	}
}
