package cirecipe

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// A matrix key only some entries have (entrypoint, for the repository with
// several binaries) expands to "" in the others, as on GitHub, never to
// "<nil>" (which would become SLIM_ENTRYPOINT=<nil>, a bad main package).
func TestGithubMatrixKeyMissingInAnEntryIsEmpty(t *testing.T) {
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(`
jobs:
  image:
    strategy:
      matrix:
        include:
          - app: server
            dir: examples/go-vendored
          - app: worker
            dir: examples/go-vendored
            entrypoint: ./cmd/worker
    steps:
      - name: Build
        uses: docker/build-push-action@v6
        with:
          context: ${{ matrix.dir }}
          file: ${{ matrix.dir }}/slim.toml
          platforms: ${{ matrix.platforms }}
          build-args: |
            SLIM_ENTRYPOINT=${{ matrix.entrypoint }}
`), &doc); err != nil {
		t.Fatal(err)
	}
	bs, err := github("gh.yml", doc)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range bs {
		got[b.Recipe] = b.BuildArgs["SLIM_ENTRYPOINT"]
		if b.Platforms != nil {
			t.Errorf("%s: platforms %q from a missing key, want none", b.Recipe, b.Platforms)
		}
	}
	if got[`gh.yml image[server] "Build"`] != "" || got[`gh.yml image[worker] "Build"`] != "./cmd/worker" {
		t.Errorf("SLIM_ENTRYPOINT per entry: %q", got)
	}
}
