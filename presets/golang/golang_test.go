package golang

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
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

func parse(t *testing.T, src string) *descriptor.App {
	t.Helper()
	app, err := descriptor.Parse("slim.toml", []byte(src), descriptor.Options{
		Languages: []string{"go"}, Presets: []string{"alpine", "distroless", "scratch"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

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
			app := parse(t, strings.Replace(routerApp, "%s", base, 1))
			plan, err := New().Plan(app, presets.Target{Build: amd64, Platform: arm64})
			if err != nil {
				t.Fatal(err)
			}
			if err := llbgen.Validate(plan); err != nil {
				t.Fatal(err)
			}
			got := llbgen.Format(plan)
			golden := filepath.Join("testdata", base+".plan")
			if *update {
				os.MkdirAll("testdata", 0o755)
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, _ := os.ReadFile(golden)
			if got != string(want) {
				t.Errorf("plan differs from %s (go test ./presets/golang -update):\n%s", golden, got)
			}
		})
	}
}

func TestModulesDownloadBeforeSourcesAreCopied(t *testing.T) {
	app := parse(t, strings.Replace(routerApp, "%s", "scratch", 1))
	plan, _ := New().Plan(app, presets.Target{Build: amd64, Platform: amd64})
	var order []string
	for _, s := range plan.Stages[0].Steps {
		order = append(order, llbgen.Describe(s))
	}
	want := []string{"COPY go.mod go.sum /src/", "RUN go mod download", "COPY . /src/"}
	for i, w := range want {
		if order[i] != w {
			t.Fatalf("build steps %q, want prefix %q", order, want)
		}
	}
}

func TestCrossCompilesForTheTargetOnTheBuildPlatform(t *testing.T) {
	app := parse(t, strings.Replace(routerApp, "%s", "distroless", 1))
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
		app := parse(t, strings.Replace(routerApp, "%s", base, 1))
		plan, _ := New().Plan(app, presets.Target{Build: amd64, Platform: amd64})
		if plan.Image.User != "65532:65532" {
			t.Errorf("%s: user %q", base, plan.Image.User)
		}
	}
}

func TestUnsupportedGoVersionIsAnErrorAtTheVersionKey(t *testing.T) {
	app := parse(t, "language = \"go\"\nentrypoint = \".\"\npreset = \"scratch\"\nversion = \"1.9\"\n")
	_, err := New().Plan(app, presets.Target{Build: amd64, Platform: amd64})
	if err == nil || !strings.Contains(err.Error(), "slim.toml:4") || !strings.Contains(err.Error(), "version") {
		t.Fatalf("err = %v", err)
	}
}
