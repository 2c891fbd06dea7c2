package golang

import (
	"strings"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/presettest"
)

var (
	amd64, arm64 = presettest.Amd64, presettest.Arm64
	// h plans for arm64 on amd64, so the goldens show the cross-compile.
	h = presettest.Harness{Language: "go", Preset: New(), Target: presets.Target{Build: amd64, Platform: arm64}}
)

const routerApp = `# syntax=org/slimfront
language   = "go"
entrypoint = "./cmd/server"
deps       = ["go.mod", "go.sum"]
port       = 8080
preset     = "%s"
`

func TestPlansMatchGoldenForEveryBase(t *testing.T) {
	for _, base := range New().Bases() {
		t.Run(base, func(t *testing.T) {
			presettest.Golden(t, base, h.Plan(t, presettest.WithBase(routerApp, base)))
		})
	}
}

func TestModulesDownloadBeforeSourcesAreCopied(t *testing.T) {
	app := h.Parse(t, presettest.WithBase(routerApp, "scratch"))
	plan, _ := New().Plan(app, presets.Target{Build: amd64, Platform: amd64})
	var order []string
	for _, s := range plan.Stages[0].Steps {
		order = append(order, llbgen.Describe(s))
	}
	want := []string{"COPY go.mod go.sum /src/", "COPY . /src/", "RUN sh -c", "COPY . /src/", "RUN sh -c", "RUN go build"}
	for i, w := range want {
		if !strings.HasPrefix(order[i], w) {
			t.Fatalf("build steps %q, want prefix %q", order, want)
		}
	}
}

func TestCrossCompilesForTheTargetOnTheBuildPlatform(t *testing.T) {
	app := h.Parse(t, presettest.WithBase(routerApp, "distroless"))
	plan, _ := New().Plan(app, presets.Target{Build: amd64, Platform: arm64})
	b := plan.Stages[0]
	if b.Where != llbgen.OnBuild {
		t.Error("build stage must run on the build platform")
	}
	env := map[string]string{}
	for _, kv := range b.Env {
		env[kv.Key] = kv.Value
	}
	if env["GOARCH"] != "arm64" || env["CGO_ENABLED"] != "0" {
		t.Errorf("env %v", env)
	}
	last := b.Steps[len(b.Steps)-1].Run.Argv
	joined := strings.Join(last, " ")
	for _, want := range []string{"-trimpath", "-ldflags=-s -w -buildid=", "./cmd/server"} {
		if !strings.Contains(joined, want) {
			t.Errorf("go build argv %q lacks %q", joined, want)
		}
	}
}

func TestEveryFinalImageRunsAsNonRoot(t *testing.T) {
	for _, base := range New().Bases() {
		app := h.Parse(t, presettest.WithBase(routerApp, base))
		plan, _ := New().Plan(app, presets.Target{Build: amd64, Platform: amd64})
		if plan.Image.User != "65532:65532" {
			t.Errorf("%s: user %q", base, plan.Image.User)
		}
	}
}

func TestUnsupportedGoVersionIsAnErrorAtTheVersionKey(t *testing.T) {
	app := h.Parse(t, "language = \"go\"\nentrypoint = \".\"\npreset = \"scratch\"\nversion = \"1.9\"\n")
	_, err := New().Plan(app, presets.Target{Build: amd64, Platform: amd64})
	if err == nil || !strings.Contains(err.Error(), "slim.toml:4") || !strings.Contains(err.Error(), "version") {
		t.Fatalf("err = %v", err)
	}
}
