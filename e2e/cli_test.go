package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slimfront/slimfront/internal/cli/cirecipe"
	"github.com/slimfront/slimfront/internal/ocitar"
	slimpresets "github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

var (
	slimBinOnce sync.Once
	slimBinPath string
	slimBinErr  error
)

// slimBin builds cmd/slim once per test run and returns its path.
func slimBin(t *testing.T) string {
	t.Helper()
	slimBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "slim-cli-e2e-")
		if err != nil {
			slimBinErr = err
			return
		}
		slimBinPath = filepath.Join(dir, "slim")
		out, err := runCmd(5*time.Minute, repoPath(), nil, "go", "build", "-o", slimBinPath, "./cmd/slim")
		if err != nil {
			slimBinErr = fmt.Errorf("go build ./cmd/slim: %v\n%s", err, out)
		}
	})
	if slimBinErr != nil {
		t.Fatal(slimBinErr)
	}
	return slimBinPath
}

// slimBuild runs `slim build args...` holding a build slot and returns its
// exit code, stdout and stderr.
func slimBuild(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	bin := slimBin(t)
	buildSlots <- struct{}{}
	defer func() { <-buildSlots }()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"build"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	t.Logf("slim build %s", strings.Join(args, " "))
	start := time.Now()
	err := cmd.Run()
	t.Logf("took %s", time.Since(start).Round(time.Millisecond))
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("slim build: %v\n%s", err, stderr.String())
	}
	return code, stdout.String(), stderr.String()
}

// `slim build` talks to buildkitd through the client library, with the
// slimfront image as gateway frontend and BuildKit's plain progress, writes
// the OCI tar and prints the size report; a tiny size_budget makes it exit 1.
func TestSlimBuildOCIWithSizeReport(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-hello")
	tar := filepath.Join(t.TempDir(), "app.tar")
	code, out, errOut := slimBuild(t, "--progress=plain", "--output", "type=oci,dest="+tar+",name=app:latest", dir)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"resolve image config for docker-image://docker.io/org/slimfront:latest", "#1 ", "DONE", "exporting to oci image format"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("plain progress on stderr lacks %q:\n%s", want, errOut)
		}
	}
	l, err := ocitar.Open(tar)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Images) != 1 || len(l.Images[0].Layers) == 0 || len(l.Images[0].Config.Config.Entrypoint) == 0 {
		t.Fatalf("want one image with layers and an entrypoint, got %+v", l.Images)
	}
	img := l.Images[0]
	for _, want := range []string{"size report", "linux/amd64", fmt.Sprintf("%d layers", len(img.Layers)), "COPY --from=build /out/app /app/app", "no size budget"} {
		if !strings.Contains(out, want) {
			t.Errorf("size report lacks %q:\n%s", want, out)
		}
	}

	// over budget: exit 1, with the report
	f, err := os.OpenFile(filepath.Join(dir, "slim.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `size_budget = "1MB"`)
	f.Close()
	code, out, errOut = slimBuild(t, "--progress=plain", "--output", "type=oci,dest="+tar, dir)
	if code != 1 {
		t.Fatalf("over budget: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "OVER BUDGET") || !strings.Contains(out, "> 1.00 MB") || !strings.Contains(errOut, "over its size budget") {
		t.Errorf("over budget: report and message missing\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

// --push -t to the local registry (plain HTTP, so registry.insecure is set
// for loopback hosts); the report comes from an extra temporary OCI export.
func TestSlimBuildPush(t *testing.T) {
	requireEnv(t)
	ref := fmt.Sprintf("%s/e2e/slim-build:%d", os.Getenv("SLIM_REGISTRY"), os.Getpid())
	code, out, errOut := slimBuild(t, "--progress=quiet", "--preset", "distroless", "--push", "-t", ref, repoPath("examples", "go-hello"))
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "pushed "+ref+" (sha256:") || !strings.Contains(out, "linux/amd64") {
		t.Errorf("want a push line and a size report\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
	if m, err := runCmd(time.Minute, "", nil, "crane", "manifest", "--insecure", ref); err != nil || !strings.Contains(m, "layers") {
		t.Errorf("crane manifest %s: %v\n%s", ref, err, m)
	}
}

// Errors from the frontend come back with the descriptor lines they point at.
func TestSlimBuildShowsDescriptorErrors(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-hello")
	writeFiles(t, dir, map[string]string{"slim.toml": "# syntax=org/slimfront\nlanguage = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\", \"go.sum\"]\n"})
	code, out, errOut := slimBuild(t, "--progress=plain", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{">>> deps = [\"go.mod\", \"go.sum\"]", `"go.sum" not found in the build context`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// The CI recipes' builds, run here through docker buildx with the same
// descriptor, build args and platforms (the output is a local OCI tar
// instead of a push). Python and Node entries run when their presets exist.
func TestCIRecipesBuildLocally(t *testing.T) {
	requireEnv(t)
	builds, err := cirecipe.Load(repoPath())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, b := range builds {
		app, err := cirecipe.Check(repoPath(), b)
		if err != nil {
			t.Fatalf("%s: %v", b.Recipe, err)
		}
		var args []string
		for _, a := range slimpresets.BuildArgs {
			if v, ok := b.BuildArgs[a.Name]; ok {
				args = append(args, "--build-arg", a.Name+"="+v)
			}
		}
		args = append(args, "-f", repoPath(b.File), "--platform", strings.Join(b.Platforms, ","))
		// The same build in another recipe or step (labels aside) runs once.
		key := fmt.Sprint(b.Context, b.File, b.Platforms, b.BuildArgs["SLIM_PRESET"], b.BuildArgs["SLIM_VERSION"], b.BuildArgs["SLIM_ENTRYPOINT"])
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := all.Registry().Lookup(app.Language); !ok {
			t.Logf("%s: no %s preset yet, not built", b.Recipe, app.Language)
			continue
		}
		t.Run(b.Recipe, func(t *testing.T) {
			t.Parallel()
			tar, _ := mustBuildOCI(t, repoPath(b.Context), args...)
			l, err := ocitar.Open(tar)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Images) != len(b.Platforms) {
				t.Errorf("want %d platform images (%s), got %d", len(b.Platforms), strings.Join(b.Platforms, ","), len(l.Images))
			}
			// SLIM_ENTRYPOINT picks the binary: the image runs the one the
			// recipe entry names (the planned entrypoint, app is after overrides).
			for _, img := range l.Images {
				if ep := img.Config.Config.Entrypoint; app.Language == "go" && (len(ep) == 0 || filepath.Base(ep[0]) != goBinary(app.Entrypoint.Path)) {
					t.Errorf("%s: image entrypoint %q, want the binary of %s", img.Platform.Architecture, ep, app.Entrypoint.Path)
				}
			}
		})
	}
}

// goBinary is the name the Go preset gives the binary of a main package
// ("app" for the module root).
func goBinary(pkg string) string {
	if pkg == "." || pkg == "" {
		return "app"
	}
	return filepath.Base(pkg)
}

// Every binary of the module answers -version, and -h with examples and
// the exit codes.
func TestEveryBinaryHasVersionAndHelp(t *testing.T) {
	r, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(2*time.Minute, r, nil, "go", "list", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./...")
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	bin := t.TempDir()
	for _, pkg := range strings.Fields(out) {
		t.Run(pkg, func(t *testing.T) {
			exe := filepath.Join(bin, filepath.Base(pkg))
			if out, err := runCmd(5*time.Minute, r, nil, "go", "build", "-o", exe, pkg); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			v, err := runCmd(time.Minute, "", nil, exe, "-version")
			if err != nil || !strings.Contains(v, filepath.Base(pkg)) {
				t.Errorf("-version: %v\n%s", err, v)
			}
			h, err := runCmd(time.Minute, "", nil, exe, "-h")
			if err != nil {
				t.Errorf("-h: %v", err)
			}
			if !strings.Contains(h, "Exit codes") || !(strings.Contains(h, "Example") || strings.Contains(h, "e.g.")) {
				t.Errorf("-h must show examples and the exit codes:\n%s", h)
			}
		})
	}
}
