package e2e

import (
	"regexp"
	"strings"
	"testing"
)

const (
	syntaxLine = "# syntax=org/slimfront\n"
	goMod      = "module example.com/bad\n\ngo 1.26\n"
	mainGo     = "package main\n\nfunc main() {}\n"
)

// anyOf is one expectation satisfied by any of its (case-insensitive) substrings.
type anyOf []string

// lacking returns the expectations of want that text meets none of
// (case-insensitive), each as its alternatives joined by " | ".
func lacking(text string, want []anyOf) []string {
	lower := strings.ToLower(text)
	var missing []string
	for _, w := range want {
		ok := false
		for _, alt := range w {
			ok = ok || strings.Contains(lower, strings.ToLower(alt))
		}
		if !ok {
			missing = append(missing, strings.Join(w, " | "))
		}
	}
	return missing
}

// TestBrokenSlimTomlFailsWithSourceMappedError checks that each kind of broken
// slim.toml fails the build with an error naming slim.toml, the key and the
// offending line, and never with a Go panic.
func TestBrokenSlimTomlFailsWithSourceMappedError(t *testing.T) {
	requireEnv(t)
	cases := []struct {
		name string
		toml string // slim.toml content after the syntax line
		want []anyOf
	}{{
		name: "missing language",
		toml: "entrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\n",
		want: []anyOf{{"language"}},
	}, {
		name: "unknown language",
		toml: "language = \"golang\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\n",
		want: []anyOf{{"language"}, {`language = "golang"`}},
	}, {
		name: "unknown preset",
		toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"distrolss\"\n",
		want: []anyOf{{"preset"}, {`preset = "distrolss"`}, {"did you mean"}, {"distroless"}},
	}, {
		name: "misspelled key",
		toml: "language = \"go\"\nentrypiont = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\n",
		want: []anyOf{{`entrypiont = "."`}, {"did you mean"}, {"entrypoint"}},
	}, {
		name: "wrong type",
		toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\nport = \"eighty\"\npreset = \"scratch\"\n",
		want: []anyOf{{"port"}, {`port = "eighty"`}},
	}, {
		name: "entrypoint not in context",
		toml: "language = \"go\"\nentrypoint = \"./cmd/nope\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\n",
		want: []anyOf{{"entrypoint"}, {`entrypoint = "./cmd/nope"`}, {"not found", "does not exist", "no such", "missing"}},
	}, {
		name: "deps file missing",
		toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\", \"go.sum\"]\npreset = \"scratch\"\n",
		want: []anyOf{{"deps"}, {"go.sum"}, {`deps = ["go.mod", "go.sum"]`}},
	}, {
		name: "deps path escapes context",
		toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"../go.mod\"]\npreset = \"scratch\"\n",
		want: []anyOf{{"deps"}, {"../go.mod"}, {`deps = ["../go.mod"]`}},
	}, {
		name: "only the syntax line",
		toml: "",
		want: []anyOf{{"language"}},
	}, {
		name: "not TOML",
		toml: "language = go\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\n",
		want: []anyOf{{"language = go"}},
	}}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := map[string]string{"go.mod": goMod, "main.go": mainGo, "slim.toml": syntaxLine + tc.toml}
			writeFiles(t, dir, files)
			// --output type=cacheonly: nothing to export, only the error matters.
			out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=cacheonly")
			if err == nil {
				t.Fatalf("build of a broken slim.toml succeeded\n----- slim.toml -----\n%s----- buildx output -----\n%s", files["slim.toml"], out)
			}
			// Match against the error report only: progress lines (`#N ...`)
			// name slim.toml in "load build definition" whatever the error.
			report := errorReport(out)
			t.Logf("error report:\n%s", strings.TrimSpace(report))
			missing := lacking(report, append([]anyOf{{"slim.toml"}}, tc.want...))
			for _, bad := range []string{"panic:", "goroutine "} {
				if strings.Contains(out, bad) {
					t.Errorf("output contains Go panic text %q", bad)
				}
			}
			if len(missing) > 0 {
				t.Errorf("error report lacks %q", missing)
			}
			if t.Failed() {
				t.Logf("----- slim.toml -----\n%s----- buildx output -----\n%s", files["slim.toml"], out)
			}
		})
	}
}

// errorReport returns the buildx output without its progress lines: the
// source excerpt and the ERROR line.
func errorReport(out string) string {
	var b strings.Builder
	for _, line := range strings.Split(out, "\n") {
		// progress lines, and Go log lines the buildx client prints about its
		// own connections ("2026/11/26 13:37:22 http2: server connection
		// error ..."), are not part of the error report
		if !strings.HasPrefix(line, "#") && !goLogLine.MatchString(line) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

var goLogLine = regexp.MustCompile(`^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} `)
