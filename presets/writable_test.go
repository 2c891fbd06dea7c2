package presets_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
	"github.com/slimfront/slimfront/presets/presettest"
)

// [run] writable is honoured by every language on every base: the final
// stage starts with the directories, owned by the runtime user (before any
// copy into /app, which then keeps that owner), and the image config
// declares them as volumes.
func TestWritableDirectoriesInEveryLanguage(t *testing.T) {
	r := all.Registry()
	entries := map[string]string{"go": `"."`, "node": `"server.js"`, "python": `"app.py"`}
	for _, lang := range r.Languages() {
		p, _ := r.Lookup(lang)
		for _, b := range p.Bases() {
			t.Run(lang+"/"+b, func(t *testing.T) {
				src := "language = \"" + lang + "\"\nentrypoint = " + entries[lang] + "\npreset = \"" + b + "\"\nuser = \"1000:1001\"\n[run]\nwritable = [\"data\", \"var/uploads\"]\n"
				l, err := r.Load(presets.Request{File: "slim.toml", Source: []byte(src), Build: presets.LinuxHost()})
				if err != nil {
					t.Fatal(err)
				}
				plan := l.Plans[0]
				if want := []string{"/app/data", "/app/var/uploads"}; !slices.Equal(plan.Image.Volumes, want) {
					t.Errorf("image volumes = %q, want %q", plan.Image.Volumes, want)
				}
				final := plan.Final()
				for i, want := range []string{"/app/data", "/app/var/uploads"} {
					if i >= len(final.Steps) {
						t.Fatalf("final stage has %d steps", len(final.Steps))
					}
					d := final.Steps[i].Dir
					if d == nil || d.Path != want || d.Chown != "1000:1001" || final.Steps[i].Key != "run.writable" {
						t.Errorf("final step %d = %s, want %s created for 1000:1001 at run.writable", i, llbgen.Describe(final.Steps[i]), want)
					}
				}
				if f := llbgen.Format(plan); !strings.Contains(f, "VOLUME /app/data /app/var/uploads") {
					t.Errorf("plan text lacks the volumes:\n%s", f)
				}
			})
		}
	}
}

// Without [run] writable nothing is added: no volume, no directory step.
func TestNoWritableNoVolume(t *testing.T) {
	r := all.Registry()
	l, err := r.Load(presets.Request{File: "slim.toml", Source: []byte("language = \"go\"\nentrypoint = \".\"\n"), Build: presets.LinuxHost()})
	if err != nil {
		t.Fatal(err)
	}
	if v := l.Plans[0].Image.Volumes; v != nil {
		t.Errorf("volumes = %q", v)
	}
	for _, s := range l.Plans[0].Final().Steps {
		if s.Key == "run.writable" {
			t.Errorf("writable step without [run] writable: %s", llbgen.Describe(s))
		}
	}
}

// The whole plans of a Go app on scratch and a Node app on distroless with
// [run] writable, as goldens (go test ./presets -update rewrites them).
func TestWritablePlansMatchGolden(t *testing.T) {
	r := all.Registry()
	for name, src := range map[string]string{
		"writable-go-scratch":      "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\nport = 8080\n[run]\nwritable = [\"data\"]\n",
		"writable-node-distroless": "language = \"node\"\nentrypoint = \"server.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\npreset = \"distroless\"\nport = 3000\n[run]\nwritable = [\"data\", \"var/uploads\"]\n",
	} {
		t.Run(name, func(t *testing.T) {
			l, err := r.Load(presets.Request{File: "slim.toml", Source: []byte(src), Build: presettest.Amd64})
			if err != nil {
				t.Fatal(err)
			}
			presettest.Golden(t, name, l.Plans[0])
		})
	}
}
