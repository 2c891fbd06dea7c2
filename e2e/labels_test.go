package e2e

import (
	"testing"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// OCI labels: source and revision when given, created from
// SOURCE_DATE_EPOCH, --label values, and the exposed port.
func TestImagesCarryOCILabelsAndTheConfiguredPort(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-hello")
	tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml",
		"--build-arg", "SLIM_SOURCE=https://example.com/acme/hello",
		"--build-arg", "SLIM_REVISION=0123abc",
		"--build-arg", "SOURCE_DATE_EPOCH=1700000000",
		"--label", "team=platform")
	l, err := ocitar.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	c := l.Images[0].Config.Config
	for k, want := range map[string]string{
		"org.opencontainers.image.source":   "https://example.com/acme/hello",
		"org.opencontainers.image.revision": "0123abc",
		"org.opencontainers.image.created":  "2023-11-14T22:13:20Z",
		"team":                              "platform",
		"dev.slimfront.preset":              "scratch",
	} {
		if got := c.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("exposed ports %v, want 8080/tcp", c.ExposedPorts)
	}
}
