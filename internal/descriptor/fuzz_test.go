package descriptor

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every problem about the
// file has a line (only build-arg override problems have none), that a
// valid App has what is required, and that errors render to a non-empty
// message.
func FuzzParse(f *testing.F) {
	seeds := []string{
		fullFile,
		base,
		"language = \"python\"\nentrypoint = [\"gunicorn\", \"app:app\"]\n[run]\ninclude = [\"templates/\"]\n",
		"",
		"# syntax=org/slimfront\n",
		"\x00\x01\xfe\xff",
		"\xef\xbb\xbflanguage = \"go\"\nentrypoint = \".\"\n",
		"language = \"go\"\nentrypoint = \"../x\"\ndeps = [\"/a\", \"\", 3]\n",
		"port = 80\nport = 81\n",
		"[build]\n[build]\n",
		"build.ssh = true\n[build]\nssh = false\n",
		"a = {b = 1, b = 2}\n",
		"[[run]]\ninclude = []\n[[run]]\n[run.x]\n",
		"deps = [[[[[[[\"a\"]]]]]]]\n",
		"build = {env = {X = {Y = 1}}}\n",
		"x = \"unterminated\n",
		"language = \"Go\"\npreset = \"distrolss\"\nentrypiont = 1\nsize_budget = \"1.5GiB\"\nuser = \"1:2:3\"\n",
		"[env]\n\"\" = \"x\"\n\"A=B\" = 1\n",
		"t = 1979-05-27T07:32:00Z\nd = 1979-05-27\nlt = 07:32:00\n",
	}
	for _, s := range seeds {
		f.Add(s, "", "")
	}
	f.Add(base, "distrolss", "1.26")
	f.Add(fullFile, "alpine", "a b")
	f.Fuzz(func(t *testing.T, src, preset, version string) {
		opts := testOpts
		opts.Overrides = map[string]string{"preset": preset, "version": version}
		app, err := Parse("slim.toml", []byte(src), opts)
		if err == nil {
			if app == nil {
				t.Fatal("nil App without error")
			}
			if app.Language == "" || (app.Entrypoint.Path == "" && len(app.Entrypoint.Argv) == 0) {
				t.Fatalf("valid App without language or entrypoint: %+v", app)
			}
			for _, p := range append(append([]string{app.Entrypoint.Path}, app.Deps...), app.Run.Include...) {
				if strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
					t.Fatalf("path %q escapes the context", p)
				}
			}
			return
		}
		if app != nil {
			t.Fatal("App returned with an error")
		}
		var de *Error
		if !errors.As(err, &de) {
			t.Fatalf("error is %T, not *Error", err)
		}
		if len(de.Problems) == 0 {
			t.Fatal("*Error without problems")
		}
		for _, p := range de.Problems {
			fromOverride := strings.HasPrefix(p.Msg, "build arg SLIM_")
			if fromOverride != (p.Range == Range{}) {
				t.Fatalf("override problems, and only they, have no location: %+v", p)
			}
			if !fromOverride && (p.Range.Start.Line < 1 || p.Range.Start.Col < 1) {
				t.Fatalf("problem without a line: %+v", p)
			}
			if p.Msg == "" {
				t.Fatalf("problem without a message: %+v", p)
			}
		}
		if err.Error() == "" {
			t.Fatal("empty Error()")
		}
	})
}
