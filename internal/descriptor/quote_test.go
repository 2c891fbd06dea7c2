package descriptor

import "testing"

func TestQuoteRoundTripsThroughTheParser(t *testing.T) {
	for _, s := range []string{"plain", `a "quoted" \ path`, "tab\tnew\nline\x7f", "ünï"} {
		app, err := Parse("slim.toml", []byte("language = \"go\"\nentrypoint = \".\"\n[env]\nX = "+Quote(s)+"\n"), Options{})
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got := app.Env[0].Value; got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
}
