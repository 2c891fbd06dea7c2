package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// presets are the final-image presets every Go example is built with.
var presets = []string{"scratch", "distroless", "alpine"}

const (
	upCommand    = `eval "$(hack/env up)"`
	buildTimeout = 20 * time.Minute
)

// buildSlots limits concurrent buildx invocations (the machine has 2 cores).
var buildSlots = make(chan struct{}, 2)

var (
	envOnce sync.Once
	envErr  error
	root    string
)

// requireEnv skips the test when the hack/env environment is not up, or
// fails it when SLIM_E2E_REQUIRED=1 (CI), so a broken CI setup cannot pass
// by skipping everything.
func requireEnv(t *testing.T) {
	t.Helper()
	envOnce.Do(func() { envErr = checkEnv() })
	if envErr == nil {
		return
	}
	msg := fmt.Sprintf("e2e environment not up: %v\nbring it up from the repo root with: %s", envErr, upCommand)
	if os.Getenv("SLIM_E2E_REQUIRED") == "1" {
		t.Fatal(msg + "\n(SLIM_E2E_REQUIRED=1, so this is a failure, not a skip)")
	}
	t.Skip(msg)
}

func checkEnv() error {
	r, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(r, "go.mod")); err != nil {
		return fmt.Errorf("cannot find the repo root from %s: %v", r, err)
	}
	root = r
	for _, v := range []string{"BUILDKIT_HOST", "SLIM_REGISTRY", "SLIM_CACHE"} {
		if os.Getenv(v) == "" {
			return fmt.Errorf("$%s is not set", v)
		}
	}
	for _, s := range []string{"run-image", "stop-image"} {
		if _, err := os.Stat(filepath.Join(root, "hack", s)); err != nil {
			return fmt.Errorf("hack/%s is missing: %v", s, err)
		}
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return errors.New("docker CLI not found in PATH")
	}
	out, err := runCmd(2*time.Minute, "", nil, "docker", "buildx", "inspect", "--bootstrap")
	if err != nil {
		return fmt.Errorf("docker buildx inspect --bootstrap failed: %v\n%s", err, out)
	}
	return nil
}

// repoPath joins elems onto the repo root (valid after requireEnv).
func repoPath(elem ...string) string {
	return filepath.Join(append([]string{root}, elem...)...)
}

// runCmd runs name args in dir (cwd when empty) with extra env appended, kills
// it after timeout and returns its combined stdout+stderr.
func runCmd(timeout time.Duration, dir string, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 10 * time.Second
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("%s timed out after %s: %w", name, timeout, err)
	}
	return buf.String(), err
}

// buildx runs `docker buildx build args... dir` with --progress=plain, holding
// one of the build slots, and returns the combined output.
func buildx(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	buildSlots <- struct{}{}
	defer func() { <-buildSlots }()
	full := append([]string{"buildx", "build", "--progress=plain"}, args...)
	full = append(full, dir)
	t.Logf("docker %s", strings.Join(full, " "))
	start := time.Now()
	out, err := runCmd(buildTimeout, dir, nil, "docker", full...)
	t.Logf("build took %s", time.Since(start).Round(time.Millisecond))
	return out, err
}

// mustBuildOCI builds dir to an OCI tarball in a fresh temp dir and returns
// its path; on failure it fails the test with the full buildx output.
func mustBuildOCI(t *testing.T, dir string, args ...string) (string, string) {
	t.Helper()
	tar := filepath.Join(t.TempDir(), "img.tar")
	args = append(args, "--output", "type=oci,dest="+tar+",name=app:latest")
	out, err := buildx(t, dir, args...)
	if err != nil {
		t.Fatalf("build failed: %v\n----- buildx output -----\n%s", err, out)
	}
	return tar, out
}

// expectation is an example's expect.json.
type expectation struct {
	Port        int              `json:"port"`
	Path        string           `json:"path"`
	Contains    string           `json:"contains"`
	SizeBudget  map[string]int64 `json:"size_budget_bytes"`
	ExtraChecks []struct {
		Path  string `json:"path"`
		Match string `json:"match"` // regular expression on the body
	} `json:"checks"`
}

func loadExpect(t *testing.T, exampleDir string) expectation {
	t.Helper()
	var e expectation
	b, err := os.ReadFile(filepath.Join(exampleDir, "expect.json"))
	if err == nil {
		err = json.Unmarshal(b, &e)
	}
	if err != nil {
		t.Fatalf("expect.json of %s: %v", exampleDir, err)
	}
	if e.Path == "" || e.Contains == "" || e.Port == 0 {
		t.Fatalf("expect.json of %s: port, path and contains are required", exampleDir)
	}
	return e
}

// examplesOf lists the example directories whose slim.toml says
// language = lang.
func examplesOf(t *testing.T, lang string) []string {
	t.Helper()
	entries, err := os.ReadDir(repoPath("examples"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		b, err := os.ReadFile(repoPath("examples", e.Name(), "slim.toml"))
		if err != nil || !e.IsDir() {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && strings.TrimSpace(k) == "language" && strings.Contains(v, `"`+lang+`"`) {
				dirs = append(dirs, e.Name())
			}
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("no %s examples found under examples/", lang)
	}
	return dirs
}

// goExamples lists the Go examples.
func goExamples(t *testing.T) []string { return examplesOf(t, "go") }

// copyExample copies examples/<name> into a fresh temp dir and returns it.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := copyTree(repoPath("examples", name), dst); err != nil {
		t.Fatalf("copy example %s: %v", name, err)
	}
	return dst
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// writeFiles writes name→content files under dir (creating parents).
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
