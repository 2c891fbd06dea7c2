package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRebuildReusesCache builds go-router (scratch) three times in the same
// context: unchanged, every step must come from the cache; after a .go edit
// the dependency download must stay cached while the compile runs again, and
// the new image must serve the edited text.
func TestRebuildReusesCache(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	const example = "go-router"
	e := loadExpect(t, repoPath("examples", example))
	dir := copyExample(t, example)
	args := []string{"-f", "slim.toml", "--build-arg", "SLIM_PRESET=scratch"}

	requireNoOpRebuild(t, dir, "go build", args...)

	t.Log("build 3: edit a .go file")
	src := filepath.Join(dir, "internal", "handlers", "hello.go")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	const oldLine, newLine = `const greeting = "hello"`, `const greeting = "bonjour"`
	if !strings.Contains(string(b), oldLine) {
		t.Fatalf("%s no longer contains %s; update this test", src, oldLine)
	}
	// The nonce keeps the edited source new to BuildKit on every run, so the
	// compile cannot be a cache hit from an earlier run of this test.
	edited := strings.Replace(string(b), oldLine, newLine, 1) + fmt.Sprintf("\n// edited by e2e %d\n", time.Now().UnixNano())
	if err := os.WriteFile(src, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	tarPath, out := mustBuildOCI(t, dir, args...)
	vs := parseProgress(out)
	t.Logf("steps after the edit:%s", describe(buildSteps(vs)))
	if dl := findStep(t, vs, "go mod download", out); !dl.Cached || dl.Done {
		t.Errorf("after a .go edit, the dependency download step should be cached: %s\n----- buildx output -----\n%s", dl, out)
	}
	if gb := findStep(t, vs, "go build", out); gb.Cached || !gb.Done {
		t.Errorf("after a .go edit, the go build step should run: %s\n----- buildx output -----\n%s", gb, out)
	}

	c := runImage(t, tarPath)
	body := c.get(t, e.Path)
	want := strings.Replace(e.Contains, "hello", "bonjour", 1)
	if !strings.Contains(body, want) {
		t.Errorf("rebuilt image: GET %s = %q, want it to contain %q", e.Path, body, want)
	}
	c.checkUID(t)
}
