package e2e

import (
	"testing"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// With SOURCE_DATE_EPOCH and the exporter's rewrite-timestamp, the same
// inputs give the same image digest, even when every step is re-run.
// Reproduce by hand:
//
//	docker buildx build -f slim.toml --build-arg SOURCE_DATE_EPOCH=1700000000 \
//	  --output type=oci,dest=app.tar,name=app:latest,rewrite-timestamp=true .
func TestSameInputsGiveTheSameDigest(t *testing.T) {
	requireEnv(t)
	for _, preset := range []string{"scratch", "distroless"} {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, "go-router")
			build := func(extra ...string) ocitar.Image {
				args := append([]string{"-f", "slim.toml", "--build-arg", "SLIM_PRESET=" + preset,
					"--build-arg", "SOURCE_DATE_EPOCH=1700000000", "--provenance=false"}, extra...)
				tarPath := buildRewritten(t, dir, args...)
				l, err := ocitar.Open(tarPath)
				if err != nil {
					t.Fatal(err)
				}
				return l.Images[0]
			}
			a := build()
			b := build("--no-cache")
			if a.Digest != b.Digest {
				t.Errorf("digests differ: %s vs %s (layers %v vs %v)", a.Digest, b.Digest, a.Layers, b.Layers)
			}
			if a.Config.Created == nil || a.Config.Created.Unix() != 1700000000 {
				t.Errorf("created = %v, want SOURCE_DATE_EPOCH", a.Config.Created)
			}
			if got := a.Config.Config.Labels["org.opencontainers.image.created"]; got != "2023-11-14T22:13:20Z" {
				t.Errorf("created label = %q", got)
			}
		})
	}
}

func buildRewritten(t *testing.T, dir string, args ...string) string {
	t.Helper()
	tar := t.TempDir() + "/img.tar"
	args = append(args, "--output", "type=oci,dest="+tar+",name=app:latest,rewrite-timestamp=true")
	out, err := buildx(t, dir, args...)
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, out)
	}
	return tar
}
