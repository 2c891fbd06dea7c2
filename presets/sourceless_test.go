package presets_test

import (
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/golang"
	"github.com/slimfront/slimfront/presets/node"
	"github.com/slimfront/slimfront/presets/presettest"
)

// [run] sourceless is Python's: Go and Node refuse it at its key rather
// than ignore it.
func TestSourcelessIsPythonOnly(t *testing.T) {
	for lang, p := range map[string]presets.Preset{"go": golang.New(), "node": node.New()} {
		entry := map[string]string{"go": ".", "node": "server.js"}[lang]
		src := "language = \"" + lang + "\"\nentrypoint = \"" + entry + "\"\npreset = \"scratch\"\n[run]\nsourceless = true\n"
		app, err := descriptor.Parse("slim.toml", []byte(src), descriptor.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Plan(app, presets.Target{Build: presettest.Amd64, Platform: presettest.Amd64})
		want := "slim.toml:5:1: run.sourceless: run.sourceless is not used by the " + lang + " preset; remove it"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", lang, err, want)
		}
	}
}
