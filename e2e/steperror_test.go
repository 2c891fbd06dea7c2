package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A step that fails (here: a compile error) points back at the slim.toml
// line that asked for it, like a failing RUN points at its Dockerfile line.
func TestFailingStepPointsAtTheDescriptorLine(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-hello")
	f, err := os.OpenFile(filepath.Join(dir, "main.go"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\nfunc broken() { undefinedThing() }\n")
	f.Close()
	out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"))
	if err == nil {
		t.Fatal("build of broken code succeeded")
	}
	for _, want := range []string{"undefined: undefinedThing", "slim.toml:3", `>>> entrypoint = "."`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}
}
