package llbgen

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// llbgen must stay a pure, language-free translator.
func TestLlbgenImportsNoGatewayAndNoLanguageKnowledge(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{
		"github.com/moby/buildkit/frontend/gateway",
		"github.com/moby/buildkit/frontend/dockerui",
		"github.com/slimfront/slimfront/frontend",
		"github.com/slimfront/slimfront/presets",
		"github.com/slimfront/slimfront/internal/descriptor",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("llbgen depends on %s", dep)
			}
		}
	}
	words := regexp.MustCompile(`(?i)\b(golang|go build|go mod|pip|python|npm|node|yarn|pnpm|gunicorn|distroless|alpine|GOOS|GOARCH)\b`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") || strings.Contains(line, "golang.org/") {
				continue // doc comments may name what the package must not know; module paths are not knowledge
			}
			if m := words.FindString(line); m != "" {
				t.Errorf("%s mentions %q: language knowledge belongs in presets/", f, m)
			}
		}
	}
}
