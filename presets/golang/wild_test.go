package golang

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
	"github.com/slimfront/slimfront/presets/presettest"
)

const sqliteApp = `# syntax=org/slimfront
language   = "go"
entrypoint = "."
deps       = ["go.mod", "go.sum"]
port       = 8080
preset     = "%s"

[build.env]
CGO_ENABLED = "1"
`

// native plans for amd64 on amd64 (cgo with the golang image's own gcc).
var native = presettest.Harness{Language: "go", Preset: New(), Target: presets.Target{Build: amd64, Platform: amd64}}

func TestCgoPlansMatchGoldenForEveryBase(t *testing.T) {
	for _, b := range New().Bases() {
		t.Run(b, func(t *testing.T) {
			presettest.Golden(t, "cgo-"+b, native.Plan(t, presettest.WithBase(sqliteApp, b)))
		})
	}
	// arm64 on amd64: Debian's cross toolchain, libraries from the arm64 cc image.
	presettest.Golden(t, "cgo-scratch-arm64", h.Plan(t, presettest.WithBase(sqliteApp, "scratch")))
}

func buildEnv(st llbgen.Stage) map[string]string {
	env := map[string]string{}
	for _, kv := range st.Env {
		env[kv.Key] = kv.Value
	}
	return env
}

func TestCgoCrossCompilesWithDebiansCrossToolchain(t *testing.T) {
	plan := h.Plan(t, presettest.WithBase(sqliteApp, "distroless"))
	b := presettest.Stage(t, plan, "build")
	env := buildEnv(b)
	if env["CGO_ENABLED"] != "1" || env["CC"] != "aarch64-linux-gnu-gcc" || env["GOARCH"] != "arm64" {
		t.Errorf("build env %v", env)
	}
	var apt string
	for _, s := range b.Steps {
		if s.Key == cgoKey && s.Run != nil {
			apt = strings.Join(s.Run.Argv, " ")
		}
	}
	for _, want := range []string{"gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"} {
		if !strings.Contains(apt, want) {
			t.Errorf("apt step %q lacks %s", apt, want)
		}
	}
	if f := presettest.Final(t, plan); f.Base.Image != base.DistrolessImage("base") {
		t.Errorf("cgo on distroless must end on glibc's base-debian13, got %q", f.Base.Image)
	}
	if libs := presettest.Stage(t, plan, "cgolibs"); libs.Where != llbgen.OnTarget || libs.Base.Image != base.DistrolessImage("cc") {
		t.Errorf("cgolibs stage: %+v", libs)
	}
}

func TestCgoOnNativeAlpineUsesMuslAndNoClosure(t *testing.T) {
	plan := native.Plan(t, presettest.WithBase(sqliteApp, "alpine"))
	env := buildEnv(presettest.Stage(t, plan, "build"))
	if env["CC"] != "musl-gcc" {
		t.Errorf("alpine cgo must build against musl: %v", env)
	}
	for _, s := range plan.Stages {
		if s.Name == "libs" || s.Name == "cgolibs" {
			t.Errorf("alpine has musl already; no closure stage expected, got %s", s.Name)
		}
	}
}

func TestCgoErrorsAreAtTheKey(t *testing.T) {
	cases := map[string]struct {
		src    string
		target presets.Target
		want   string
	}{
		"alpine for arm64": {presettest.WithBase(sqliteApp, "alpine"), presets.Target{Build: amd64, Platform: arm64}, `slim.toml:9:1: build.env.CGO_ENABLED: cgo on alpine is compiled against musl`},
		"bad value":        {strings.Replace(presettest.WithBase(sqliteApp, "scratch"), `"1"`, `"yes"`, 1), presets.Target{Build: amd64, Platform: amd64}, `build.env.CGO_ENABLED: CGO_ENABLED must be "1"`},
		"mips":             {presettest.WithBase(sqliteApp, "scratch"), presets.Target{Build: amd64, Platform: ocispecs.Platform{OS: "linux", Architecture: "mips64le"}}, `Debian has no cross toolchain slimfront knows`},
		"GOFLAGS ldflags":  {"language = \"go\"\nentrypoint = \".\"\n[build.env]\nGOFLAGS = \"-ldflags=-X=main.v=1\"\n", presets.Target{Build: amd64, Platform: amd64}, `slim.toml:4:1: build.env.GOFLAGS: GOFLAGS -ldflags=-X=main.v=1: the preset passes its own -ldflags`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			app := h.Parse(t, c.src)
			if app.Preset == "" {
				app.Preset = "distroless"
			}
			_, err := New().Plan(app, c.target)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestWithoutCgoSettingTheBuildChecksTheGraphForCgo(t *testing.T) {
	last := func(src string) string { // every run of the build stage
		var all []string
		for _, s := range presettest.Stage(t, native.Plan(t, src), "build").Steps {
			if s.Run != nil {
				all = append(all, strings.Join(s.Run.Argv, " "))
			}
		}
		return strings.Join(all, "\n")
	}
	plain := last(presettest.WithBase(routerApp, "scratch"))
	if !strings.Contains(plain, `go list "$@" -deps`) || !strings.Contains(plain, `CGO_ENABLED = "1"`) {
		t.Errorf("default build must fail on cgo packages with the fix: %s", plain)
	}
	if on := last(presettest.WithBase(sqliteApp, "scratch")); strings.Contains(on, "go list") {
		t.Errorf("with CGO_ENABLED set there is nothing to check: %s", on)
	}
}

func TestLdflagsAndTagsMergeWithThePresetsAndExpandBuildArgs(t *testing.T) {
	src := presettest.WithBase(routerApp, "scratch") + "\n[build]\nldflags = \"-X main.version=${VERSION} -X main.commit=${COMMIT:-none}\"\ntags = [\"netgo\", \"jsoniter\"]\n"
	app, err := descriptor.Parse("slim.toml", []byte(src), descriptor.Options{BuildArgs: map[string]string{"VERSION": "2.7.1"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := New().Plan(app, presets.Target{Build: amd64, Platform: amd64})
	if err != nil {
		t.Fatal(err)
	}
	argv := plan.Stages[0].Steps[len(plan.Stages[0].Steps)-1].Run.Argv
	for _, want := range []string{"-ldflags=-s -w -buildid= -X main.version=2.7.1 -X main.commit=none", "-tags=timetzdata,netgo,jsoniter"} {
		if !slices.Contains(argv, want) {
			t.Errorf("go build argv %q lacks %q", argv, want)
		}
	}
	_, err = descriptor.Parse("slim.toml", []byte(src), descriptor.Options{})
	if err == nil || !strings.Contains(err.Error(), "slim.toml:9:1: build.ldflags: build arg VERSION is not set in this build") {
		t.Fatalf("an unset build arg without default: err = %v", err)
	}
}

func TestSlimEntrypointSwitchesTheBinary(t *testing.T) {
	r := presets.NewRegistry(New())
	l, err := r.Load(presets.Request{File: "slim.toml", Source: []byte(presettest.WithBase(routerApp, "scratch")),
		BuildArgs: map[string]string{"SLIM_ENTRYPOINT": "./cmd/worker"}, Build: amd64})
	if err != nil {
		t.Fatal(err)
	}
	plan := l.Plans[0]
	if got := plan.Image.Entrypoint; len(got) != 1 || got[0] != "/app/worker" {
		t.Errorf("entrypoint %q, want /app/worker", got)
	}
	if plan.Checks[0].Path != "cmd/worker" {
		t.Errorf("checks %+v: the overridden package must be checked in the context", plan.Checks)
	}
	if _, err := r.Load(presets.Request{File: "slim.toml", Source: []byte(presettest.WithBase(routerApp, "scratch")),
		BuildArgs: map[string]string{"SLIM_ENTRYPOINT": "../elsewhere"}, Build: amd64}); err == nil || !strings.Contains(err.Error(), "build arg SLIM_ENTRYPOINT") {
		t.Fatalf("a path leaving the context: err = %v", err)
	}
}

// runLocalDirs runs the download step's replace check over a context
// written to a temporary directory standing for /src.
func runLocalDirs(t *testing.T, files map[string]string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("awk"); err != nil {
		t.Skip("awk not on PATH: the check runs in the golang image, which has it")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := strings.ReplaceAll("set -eu\n"+localDirs, "/src", src)
	script = strings.ReplaceAll(script, "/tmp/localdirs", filepath.Join(dir, "localdirs"))
	out, err := exec.Command("sh", "-c", script, "check", src+"/go.mod", src+"/go.work").CombinedOutput()
	return strings.ReplaceAll(string(out), src, "/src"), err
}

func TestLocalReplaceDirectoriesMustBeInTheContext(t *testing.T) {
	gomod := "module example.com/app\n\ngo 1.24\n\nrequire example.com/lib v0.0.0\n\n// a comment\nreplace example.com/lib => ./lib\n\nreplace (\n\texample.com/up v1.0.0 => example.com/fork v1.0.1\n\texample.com/shared => ../shared // outside\n)\n"
	out, err := runLocalDirs(t, map[string]string{"src/go.mod": gomod, "src/lib/go.mod": "module example.com/lib\n", "shared/go.mod": "module example.com/shared\n"})
	if err == nil || !strings.Contains(out, "go.mod:12: replace => ../shared: the directory is outside the build context") || strings.Contains(out, "./lib") || strings.Contains(out, "fork") {
		t.Fatalf("err = %v, out:\n%s", err, out)
	}
	out, err = runLocalDirs(t, map[string]string{"src/go.mod": gomod, "src/go.work": "go 1.24\n\nuse (\n\t.\n\t./tools\n)\n"})
	if err == nil || !strings.Contains(out, "go.mod:8: replace => ./lib: lib/go.mod is not in the build context") || !strings.Contains(out, "go.work:5: use => ./tools: tools/go.mod is not in the build context") {
		t.Fatalf("err = %v, out:\n%s", err, out)
	}
	if out, err := runLocalDirs(t, map[string]string{"src/go.mod": strings.Replace(gomod, "../shared", "./shared", 1), "src/lib/go.mod": "module example.com/lib\n", "src/shared/go.mod": "module example.com/shared\n"}); err != nil {
		t.Fatalf("replaces inside the context must pass: %v\n%s", err, out)
	}
}
