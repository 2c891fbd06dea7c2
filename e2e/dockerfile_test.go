package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSlimTomlNamedDockerfileBuildsWithoutDashF checks that a slim.toml saved
// as ./Dockerfile builds with a plain `docker buildx build .`: the syntax line
// alone selects the frontend.
func TestSlimTomlNamedDockerfileBuildsWithoutDashF(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	const example = "go-hello"
	e := loadExpect(t, repoPath("examples", example))
	dir := copyExample(t, example)
	if err := os.Rename(filepath.Join(dir, "slim.toml"), filepath.Join(dir, "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	tarPath, _ := mustBuildOCI(t, dir)
	images, err := readOCIImages(tarPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkUser(t, images[0])
	c := runImage(t, tarPath)
	c.checkServes(t, e)
	c.checkUID(t)
}
