package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// builtSomething reports the first progress line of out that shows a build
// step running: `--call` subrequests must answer without building.
func builtSomething(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "#") && (strings.Contains(line, "go mod download") || strings.Contains(line, "go build")) {
			return line
		}
	}
	return ""
}

// TestCallCheckReportsTheDescriptorWithoutBuilding runs `docker buildx build
// --call check` (BuildKit's lint subrequest) on a valid example and on a
// descriptor with a misspelled preset: the first passes with buildx's
// no-warnings line, the second fails with the file, the offending line and
// the message; neither runs a build step.
func TestCallCheckReportsTheDescriptorWithoutBuilding(t *testing.T) {
	requireEnv(t)
	t.Run("valid_example", func(t *testing.T) {
		t.Parallel()
		dir := copyExample(t, "go-hello")
		out, err := buildx(t, dir, "-f", "slim.toml", "--call", "check")
		if err != nil {
			t.Fatalf("check of a valid descriptor failed: %v\n%s", err, out)
		}
		if !strings.Contains(out, "Check complete, no warnings found.") {
			t.Errorf("buildx did not print the no-warnings line:\n%s", out)
		}
		if line := builtSomething(out); line != "" {
			t.Errorf("check ran a build step: %s\n%s", line, out)
		}
	})
	t.Run("misspelled_preset", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"go.mod": goMod, "main.go": mainGo,
			"slim.toml": syntaxLine + "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"distrolss\"\n",
		})
		out, err := buildx(t, dir, "-f", "slim.toml", "--call", "check")
		if err == nil {
			t.Fatalf("check of a misspelled preset succeeded:\n%s", out)
		}
		report := errorReport(out)
		for _, want := range []string{
			"slim.toml:5\n",
			` 5 | >>> preset = "distrolss"`,
			`slim.toml:5:1: preset: unknown preset "distrolss"; valid: alpine, distroless, scratch (did you mean "distroless"?)`,
		} {
			if !strings.Contains(report, want) {
				t.Errorf("check output lacks %q", want)
			}
		}
		if strings.Contains(report, "Check complete, no warnings found") {
			t.Error("check of a bad descriptor says no warnings")
		}
		if line := builtSomething(out); line != "" {
			t.Errorf("check ran a build step: %s", line)
		}
		if t.Failed() {
			t.Logf("----- buildx output -----\n%s", out)
		}
	})
}

// TestCallOutlineShowsTheBuildArgsAndTheirValues runs `docker buildx build
// --call outline`: every build arg slimfront reads is listed with its
// description, SLIM_PRESET with the preset the build would use (the file's,
// or --build-arg SLIM_PRESET's), the declared secret and the ssh agent.
func TestCallOutlineShowsTheBuildArgsAndTheirValues(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod": goMod, "main.go": mainGo,
		"slim.toml": syntaxLine + "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"distroless\"\n[build]\nsecrets = [\"netrc\"]\nssh = true\n",
	})
	for _, tc := range []struct {
		name   string
		args   []string
		preset string
	}{
		{"from_the_file", nil, "distroless"},
		{"from_the_build_arg", []string{"--build-arg", "SLIM_PRESET=scratch", "--build-arg", "SOURCE_DATE_EPOCH=1700000000"}, "scratch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := buildx(t, dir, append([]string{"-f", "slim.toml", "--call", "outline"}, tc.args...)...)
			if err != nil {
				t.Fatalf("outline failed: %v\n%s", err, out)
			}
			report := errorReport(out)
			for _, re := range []string{
				`(?m)^TARGET:\s+\(default\)$`,
				`(?m)^DESCRIPTION:\s+go app on ` + tc.preset + ` for linux/`,
				`(?m)^BUILD ARG\s+VALUE\s+DESCRIPTION$`,
				`(?m)^SLIM_PRESET\s+` + tc.preset + `\s+final image base`,
				`(?m)^SLIM_VERSION\s+toolchain version`,
				`(?m)^SLIM_SOURCE\s+`,
				`(?m)^SLIM_REVISION\s+`,
				`(?m)^SECRET\s+REQUIRED$`,
				`(?m)^netrc\s+true$`,
				`(?m)^SSH\s+REQUIRED$`,
				`(?m)^default\s+true$`,
			} {
				if !regexp.MustCompile(re).MatchString(report) {
					t.Errorf("outline lacks %s", re)
				}
			}
			epoch := regexp.MustCompile(`(?m)^SOURCE_DATE_EPOCH\s+1700000000\s`).MatchString(report)
			if given := len(tc.args) > 0; epoch != given {
				t.Errorf("SOURCE_DATE_EPOCH shown with value 1700000000: %v, given as build arg: %v", epoch, given)
			}
			if line := builtSomething(out); line != "" {
				t.Errorf("outline ran a build step: %s", line)
			}
			if t.Failed() {
				t.Logf("----- buildx output -----\n%s", out)
			}
		})
	}
}

// TestCallTargetsListsOneDefaultTarget runs `docker buildx build --call
// targets`: a descriptor is one build, shown as the default target.
func TestCallTargetsListsOneDefaultTarget(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-hello")
	out, err := buildx(t, dir, "-f", "slim.toml", "--call", "targets")
	if err != nil {
		t.Fatalf("targets failed: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^\(default\)\s+go app on scratch for linux/`).MatchString(errorReport(out)) {
		t.Errorf("targets output lacks the default target:\n%s", out)
	}
}
