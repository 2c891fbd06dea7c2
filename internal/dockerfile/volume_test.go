package dockerfile

import (
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

// [run] writable renders as the directory made for the runtime user in the
// final stage and a VOLUME line in exec (JSON) form, like the image config.
func TestWritableRendersAsOwnedDirectoryAndVolume(t *testing.T) {
	src := "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\n[run]\nwritable = [\"data\", \"var/uploads\"]\n"
	loaded, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(src),
		Build:   ocispecs.Platform{OS: "linux", Architecture: "amd64"},
		Targets: []ocispecs.Platform{{OS: PortableOS, Architecture: PortableArch}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(loaded.Plans[0], Options{Source: "slim.toml", Portable: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `VOLUME ["/app/data","/app/var/uploads"]`) {
		t.Errorf("no VOLUME line in:\n%s", got)
	}
	if !strings.Contains(got, "65532:65532") || !strings.Contains(got, "/app/var/uploads") {
		t.Errorf("the writable directories are not made for 65532 in:\n%s", got)
	}
}
