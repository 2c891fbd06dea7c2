package node

import (
	"slices"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets/presettest"
)

// With [run] writable, the sources copy leaves the writable directories
// out and the next step copies them, from the same place, owned by the
// runtime user: a seed file there is the user's (plain and with a build
// script, whose output is copied from the build stage).
func TestWritableContentsAreTheUsers(t *testing.T) {
	for _, c := range []struct{ name, build, from string }{
		{"sources", "", llbgen.Context},
		{"build script", "[build]\nscript = \"build\"\n", "build"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := h.Plan(t, "language = \"node\"\nentrypoint = \"server.js\"\npreset = \"distroless\"\nuser = \"1000:1000\"\n"+c.build+"[run]\nwritable = [\"data\", \"var/uploads\"]\n")
			final := presettest.Final(t, p)
			n := len(final.Steps)
			src, own := final.Steps[n-2], final.Steps[n-1]
			if src.Copy == nil || src.Copy.From != c.from || !slices.Contains(src.Copy.Exclude, "data") || !slices.Contains(src.Copy.Exclude, "var/uploads") {
				t.Errorf("sources step = %s, want a copy from %s excluding data and var/uploads", llbgen.Describe(src), c.from)
			}
			if own.Copy == nil || own.Key != "run.writable" || own.Copy.From != c.from || own.Copy.Chown != "1000:1000" ||
				!slices.Equal(own.Copy.Include, []string{"data", "var/uploads"}) || !slices.Equal(own.Copy.Src, src.Copy.Src) {
				t.Errorf("last step = %s, want the writable directories from %s owned by 1000:1000", llbgen.Describe(own), c.from)
			}
		})
	}
	p := h.Plan(t, "language = \"node\"\nentrypoint = \"server.js\"\npreset = \"distroless\"\n")
	for _, s := range presettest.Final(t, p).Steps {
		if s.Key == "run.writable" || (s.Copy != nil && s.Copy.Chown != "" && s.Copy.From == llbgen.Context) {
			t.Errorf("without [run] writable: %s", llbgen.Describe(s))
		}
	}
}
