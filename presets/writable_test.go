package presets_test

import (
	"strings"
	"testing"

	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

// [run] writable is refused, at its line, by presets that do not honour it
// (presets.WritableDirs) instead of being ignored.
func TestWritableIsRefusedWhereUnsupported(t *testing.T) {
	r := all.Registry()
	for lang, entry := range map[string]string{"go": `"."`, "node": `"server.js"`} {
		src := "language = \"" + lang + "\"\nentrypoint = " + entry + "\n[run]\nwritable = [\"data\"]\n"
		_, err := r.Load(presets.Request{File: "slim.toml", Source: []byte(src), Build: presets.LinuxHost()})
		if err == nil || !strings.Contains(err.Error(), "slim.toml:4:1: run.writable: run.writable is not supported for "+lang) {
			t.Errorf("%s: err = %v", lang, err)
		}
	}
	src := "language = \"python\"\nentrypoint = \"app.py\"\n[run]\nwritable = [\"data\"]\n"
	if _, err := r.Load(presets.Request{File: "slim.toml", Source: []byte(src), Build: presets.LinuxHost()}); err != nil {
		t.Errorf("python: %v", err)
	}
}
