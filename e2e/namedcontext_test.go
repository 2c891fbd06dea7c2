package e2e

import (
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// `--build-context <base image>=...` replaces a base image the preset asks
// for, as it does for FROM lines in Dockerfiles.
func TestNamedContextReplacesABaseImage(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-hello")
	tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET=alpine",
		"--build-context", "alpine:3.22=docker-image://gcr.io/distroless/static-debian13:nonroot")
	l, err := ocitar.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	files, err := l.Files(l.Images[0])
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, f := range files {
		has[f.Name] = true
	}
	if has["etc/alpine-release"] {
		t.Errorf("image still has etc/alpine-release: the named context was ignored\n%s", out)
	}
	osr, err := l.ReadFile(l.Images[0], "usr/lib/os-release")
	if err != nil {
		t.Fatalf("no os-release from the replacement base: %v", err)
	}
	if !strings.Contains(string(osr), "Distroless") {
		t.Errorf("os-release does not come from the named context:\n%s", osr)
	}
	c := runImage(t, tarPath)
	c.checkServes(t, loadExpect(t, repoPath("examples", "go-hello")))
	c.checkUID(t)
}
