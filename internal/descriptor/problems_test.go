package descriptor

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// base is a valid two-line prefix; keys added after it start on line 3.
const base = "language = \"go\"\nentrypoint = \".\"\n"

const validKeys = "build, deps, entrypoint, env, language, port, preset, run, size_budget, user, version, workdir"

// TestParse_problems checks the exact Error() output for bad input. A
// wanted line ending in "..." only has to be a prefix of the line (used
// where the tail is go-toml's own wording).
func TestParse_problems(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		overrides map[string]string
		want      []string
	}{
		// Syntax.
		{"an empty file asks for language and entrypoint", "", nil, []string{
			`slim.toml:1:1: empty descriptor: need at least language and entrypoint`}},
		{"a file of only comments is empty", "# syntax=org/slimfront\n\n", nil, []string{
			`slim.toml:1:1: empty descriptor: need at least language and entrypoint`}},
		{"binary junk is not TOML", "\x00\x01\xfe\xff junk", nil, []string{
			`slim.toml:1:1: not valid TOML: ...`}},
		{"an unterminated string is not TOML", base + "preset = \"scratch\n", nil, []string{
			`slim.toml:3:18: not valid TOML: ...`}},
		{"a Dockerfile is not TOML", "FROM golang:1.26\nRUN go build\n", nil, []string{
			`slim.toml:1:6: not valid TOML: ...`}},
		{"a duplicate key names both lines", base + "port = 80\nport = 8080\n", nil, []string{
			`slim.toml:4:1: port: key "port" is set twice (lines 3 and 4); TOML allows each key once`}},
		{"a duplicate table names both lines", base + "[run]\n[build]\n[run]\n", nil, []string{
			`slim.toml:5:2: run: table [run] is defined twice (lines 3 and 5); TOML allows each table once`}},
		{"a duplicate key in an inline table is found", base + "build = { ssh = true, ssh = false }\n", nil, []string{
			`slim.toml:3:23: build.ssh: key "build.ssh" is set twice on line 3; TOML allows each key once`}},
		{"a duplicate across a dotted key and a table is found", base + "build.ssh = true\n[build]\nssh = false\n", nil, []string{
			`slim.toml:4:2: not valid TOML: table build already exists as defined by a dotted key`,
			`slim.toml:5:1: build.ssh: key "build.ssh" is set twice (lines 3 and 5); TOML allows each key once`}},
		{"a file over 1 MiB is rejected unread", base + "#" + strings.Repeat("x", MaxSize), nil, []string{
			fmt.Sprintf(`slim.toml:1:1: descriptor is %d bytes; the limit is 1048576 bytes (1 MiB)`, len(base)+1+MaxSize)}},
		{"thousands of keys are rejected", manyEnvKeys(maxKeys + 10), nil, []string{
			fmt.Sprintf(`slim.toml:%d:1: too many keys: more than 5000; a descriptor needs far fewer`, maxKeys+1)}},

		// Required keys.
		{"missing language and entrypoint are both reported at the top", "port = 8080\n", nil, []string{
			`slim.toml:1:1: language: required key is missing; add e.g. language = "go"`,
			`slim.toml:1:1: entrypoint: required key is missing; add a path such as entrypoint = "./cmd/server" or an argv array such as entrypoint = ["gunicorn", "app:app"]`}},

		// Unknown keys.
		// a misspelled required key is one problem, not also "missing"
		{"an unknown top-level key suggests the closest one", "language = \"go\"\nentrypiont = \".\"\n", nil, []string{
			`slim.toml:2:1: entrypiont: unknown key "entrypiont"; valid keys: ` + validKeys + ` (did you mean "entrypoint"?)`}},
		{"a wrongly cased key suggests the lowercase one", base + "Port = 80\n", nil, []string{
			`slim.toml:3:1: Port: unknown key "Port"; valid keys: ` + validKeys + ` (did you mean "port"?)`}},
		{"an unrelated key gets no suggestion", base + "healthcheck = \"/health\"\n", nil, []string{
			`slim.toml:3:1: healthcheck: unknown key "healthcheck"; valid keys: ` + validKeys}},
		{"an unknown key in build suggests within build", base + "[build]\npakages = [\"git\"]\n", nil, []string{
			`slim.toml:4:1: build.pakages: unknown key "pakages" in [build]; valid keys: env, ldflags, packages, script, secrets, ssh, tags (did you mean "packages"?)`}},
		{"an unknown key in run suggests within run", base + "[run]\nincludes = []\n", nil, []string{
			`slim.toml:4:1: run.includes: unknown key "includes" in [run]; valid keys: healthcheck, include, keep, packages, sourceless, trim, writable (did you mean "include"?)`}},
		{"a misspelled table is an unknown key", base + "[biuld]\nssh = true\n", nil, []string{
			`slim.toml:3:2: biuld: unknown key "biuld"; valid keys: ` + validKeys + ` (did you mean "build"?)`}},

		// Values from lists.
		{"an unknown preset suggests the closest one", base + "preset = \"distrolss\"\n", nil, []string{
			`slim.toml:3:1: preset: unknown preset "distrolss"; valid: alpine, distroless, scratch (did you mean "distroless"?)`}},
		{"a wrongly cased language suggests the lowercase one", "language = \"Python\"\nentrypoint = \"app.py\"\n", nil, []string{
			`slim.toml:1:1: language: unknown language "Python"; valid: go, node, python (did you mean "python"?)`}},
		{"an unknown language without a close match lists the valid ones", "language = \"rust\"\nentrypoint = \".\"\n", nil, []string{
			`slim.toml:1:1: language: unknown language "rust"; valid: go, node, python`}},
		{"an empty language lists the valid ones", "language = \"\"\nentrypoint = \".\"\n", nil, []string{
			`slim.toml:1:1: language: language must not be empty; valid: go, node, python`}},

		// Types.
		{"an integer entrypoint is a type error", "language = \"go\"\nentrypoint = 42\n", nil, []string{
			`slim.toml:2:1: entrypoint: expected a string path or an array of strings, got integer`}},
		{"a table entrypoint is a type error", "language = \"go\"\nentrypoint = { path = \".\" }\n", nil, []string{
			`slim.toml:2:1: entrypoint: expected a string path or an array of strings, got table`}},
		{"an integer language is a type error", "language = 1\nentrypoint = \".\"\n", nil, []string{
			`slim.toml:1:1: language: expected a string, got integer`}},
		{"a float version suggests quoting", base + "version = 1.20\n", nil, []string{
			`slim.toml:3:1: version: expected a string, got float (quote it so it stays exact, e.g. version = "1.20"; a bare 1.20 is the number 1.2)`}},
		{"a version with spaces is rejected", base + "version = \"1.26 beta\"\n", nil, []string{
			`slim.toml:3:1: version: invalid version "1.26 beta": use letters, digits, '.', '_' or '-' (at most 128), starting with a letter or digit`}},
		{"a string deps suggests an array", base + "deps = \"go.mod\"\n", nil, []string{
			`slim.toml:3:1: deps: expected an array of paths, got string (use an array: deps = ["go.mod"])`}},
		{"a non-string dep is located at the element", base + "deps = [\"go.mod\", 3]\n", nil, []string{
			`slim.toml:3:19: deps[1]: expected a string, got integer`}},
		{"a quoted port suggests dropping the quotes", base + "port = \"8080\"\n", nil, []string{
			`slim.toml:3:1: port: expected an integer between 1 and 65535, got string (drop the quotes: port = 8080)`}},
		{"port zero is out of range", base + "port = 0\n", nil, []string{
			`slim.toml:3:1: port: must be between 1 and 65535, got 0`}},
		{"port 70000 is out of range", base + "port = 70000\n", nil, []string{
			`slim.toml:3:1: port: must be between 1 and 65535, got 70000`}},
		{"an integer user suggests quoting", base + "user = 1000\n", nil, []string{
			`slim.toml:3:1: user: expected a string, got integer (quote it: user = "1000")`}},
		{"a user name is rejected because there is no passwd file", base + "user = \"nobody\"\n", nil, []string{
			`slim.toml:3:1: user: invalid user "nobody": use a numeric uid or uid:gid such as "65532" or "1000:1000"; names are not accepted because minimal images have no /etc/passwd to look them up`}},
		{"a user with a named group is rejected", base + "user = \"1000:staff\"\n", nil, []string{
			`slim.toml:3:1: user: invalid user "1000:staff": ...`}},
		{"a relative workdir is rejected", base + "workdir = \"app\"\n", nil, []string{
			`slim.toml:3:1: workdir: must be an absolute path, got "app" (e.g. workdir = "/app")`}},
		{"a float size budget is a type error", base + "size_budget = 1.5\n", nil, []string{
			`slim.toml:3:1: size_budget: expected a size such as "15MB" or a number of bytes, got float`}},
		{"a size budget with an unknown unit lists the units", base + "size_budget = \"15 megs\"\n", nil, []string{
			`slim.toml:3:1: size_budget: invalid size "15 megs": use a number of bytes or a number with a unit B, kB, MB, GB, KiB, MiB or GiB, e.g. "15MB"`}},
		{"a zero size budget is rejected", base + "size_budget = \"0MB\"\n", nil, []string{
			`slim.toml:3:1: size_budget: size "0MB" must be at least 1 byte`}},
		{"a negative size budget is rejected", base + "size_budget = -5\n", nil, []string{
			`slim.toml:3:1: size_budget: must be a positive number of bytes, got -5`}},
		{"a non-string env value suggests quoting", base + "[env]\nPORT = 8080\n", nil, []string{
			`slim.toml:4:1: env.PORT: environment values must be strings, got integer (quote it: PORT = "8080")`}},
		{"an env name with = is rejected", base + "[env]\n\"A=B\" = \"x\"\n", nil, []string{
			`slim.toml:4:1: env.A=B: invalid environment variable name "A=B": must not contain '=' or NUL`}},
		{"env as an array is a type error", base + "env = [\"A=1\"]\n", nil, []string{
			`slim.toml:3:1: env: expected a table of NAME = "value", got array (write it as a section: [env] with NAME = "value" lines)`}},
		{"build as a string is a type error", base + "build = \"make\"\n", nil, []string{
			`slim.toml:3:1: build: expected a table, got string (write it as a section: [build])`}},
		{"an array of run tables is a type error", base + "[[run]]\ninclude = []\n", nil, []string{
			`slim.toml:3:3: run: expected a table, got array (write it as a section: [run])`}},
		{"a string ssh is a type error", base + "[build]\nssh = \"yes\"\n", nil, []string{
			`slim.toml:4:1: build.ssh: expected true or false, got string`}},
		{"an empty build script is rejected", base + "[build]\nscript = \" \"\n", nil, []string{
			`slim.toml:4:1: build.script: must not be empty (leave the key out for no build script)`}},
		{"a package starting with a dash is rejected", base + "[build]\npackages = [\"git\", \"--allow-untrusted\"]\n", nil, []string{
			`slim.toml:4:20: build.packages[1]: invalid package name "--allow-untrusted": must not start with '-'`}},
		{"a package list in one string is rejected", base + "[run]\npackages = [\"curl git\"]\n", nil, []string{
			`slim.toml:4:13: run.packages[0]: invalid package name "curl git": must not contain spaces; list each package separately`}},
		{"a bad or repeated secret id is rejected", base + "[build]\nsecrets = [\"a b\", \"npm\", \"npm\"]\n", nil, []string{
			`slim.toml:4:12: build.secrets[0]: invalid secret id "a b": use letters, digits, '_', '.' or '-' (it must match --secret id=...)`,
			`slim.toml:4:26: build.secrets[2]: secret id "npm" is listed twice`}},

		// Paths and argv.
		{"an entrypoint escaping the context is rejected", "language = \"go\"\nentrypoint = \"../other\"\n", nil, []string{
			`slim.toml:2:1: entrypoint: path "../other" escapes the build context`}},
		{"an absolute entrypoint is rejected", "language = \"go\"\nentrypoint = \"/src/cmd\"\n", nil, []string{
			`slim.toml:2:1: entrypoint: absolute path "/src/cmd" is not allowed; paths are relative to the build context`}},
		{"an empty entrypoint is rejected", "language = \"go\"\nentrypoint = \"\"\n", nil, []string{
			`slim.toml:2:1: entrypoint: path must not be empty`}},
		{"a dep escaping after cleaning is located at the element", base + "deps = [\"go.mod\", \"a/../../x\"]\n", nil, []string{
			`slim.toml:3:19: deps[1]: path "a/../../x" escapes the build context`}},
		{"an absolute include is located at the element", base + "[run]\ninclude = [\"static/\", \"/etc/passwd\", \"\"]\n", nil, []string{
			`slim.toml:4:23: run.include[1]: absolute path "/etc/passwd" is not allowed; paths are relative to the build context`,
			`slim.toml:4:38: run.include[2]: path must not be empty`}},
		{"an empty argv is rejected", "language = \"python\"\nentrypoint = []\n", nil, []string{
			`slim.toml:2:1: entrypoint: argv array must not be empty (e.g. entrypoint = ["gunicorn", "app:app"])`}},
		{"argv elements must be non-empty strings", "language = \"python\"\nentrypoint = [\"gunicorn\", \"\", 1]\n", nil, []string{
			`slim.toml:2:27: entrypoint[1]: argv element must not be empty`,
			`slim.toml:2:31: entrypoint[2]: expected a string, got integer`}},

		// Overrides.
		{"an invalid preset override names the build arg and has no line", base + "preset = \"scratch\"\n",
			map[string]string{"preset": "distrolss"}, []string{
				`slim.toml: preset: build arg SLIM_PRESET: unknown preset "distrolss"; valid: alpine, distroless, scratch (did you mean "distroless"?)`}},
		{"an invalid version override names the build arg", base,
			map[string]string{"version": "latest!"}, []string{
				`slim.toml: version: build arg SLIM_VERSION: invalid version "latest!": ...`}},
		{"an override of another key is refused", base,
			map[string]string{"port": "80"}, []string{
				`slim.toml: port: build arg SLIM_PORT: not supported; only entrypoint, preset and version can be overridden`}},
		{"a bad file value is reported even when overridden", base + "preset = \"distrolss\"\n",
			map[string]string{"preset": "alpine"}, []string{
				`slim.toml:3:1: preset: unknown preset "distrolss"; valid: alpine, distroless, scratch (did you mean "distroless"?)`}},

		// Several at once.
		{"multiple problems are reported together in line order", `# syntax=org/slimfront
language = "go"
entrypoint = "/abs"
deps = ["../go.mod"]
preset = "distrolss"
port = 0
[build]
pakages = ["git"]
[env]
A = 1
`, map[string]string{"version": "a b"}, []string{
			`slim.toml:3:1: entrypoint: absolute path "/abs" is not allowed; paths are relative to the build context`,
			`slim.toml:4:9: deps[0]: path "../go.mod" escapes the build context`,
			`slim.toml:5:1: preset: unknown preset "distrolss"; valid: alpine, distroless, scratch (did you mean "distroless"?)`,
			`slim.toml:6:1: port: must be between 1 and 65535, got 0`,
			`slim.toml:8:1: build.pakages: unknown key "pakages" in [build]; valid keys: env, ldflags, packages, script, secrets, ssh, tags (did you mean "packages"?)`,
			`slim.toml:10:1: env.A: environment values must be strings, got integer (quote it: A = "1")`,
			`slim.toml: version: build arg SLIM_VERSION: invalid version "a b": ...`}},
		{"problems beyond fifty are summarised", base + "deps = [" + strings.Repeat(`"/x", `, 60) + "]\n", nil,
			append(repeatLines(50, `slim.toml:3:...: deps[...]: absolute path "/x" is not allowed; paths are relative to the build context`),
				`slim.toml:3:309: 10 more problems not shown`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOpts
			opts.Overrides = tt.overrides
			app, err := Parse("slim.toml", []byte(tt.src), opts)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", app)
			}
			if app != nil {
				t.Errorf("Parse returned an App with an error")
			}
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) || len(de.Problems) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(got), len(tt.want), err)
			}
			for i := range got {
				if !lineMatches(got[i], tt.want[i]) {
					t.Errorf("line %d:\ngot  %s\nwant %s", i+1, got[i], tt.want[i])
				}
			}
		})
	}
}

// lineMatches compares got with want, where each "..." in want matches
// any text.
func lineMatches(got, want string) bool {
	parts := strings.Split(want, "...")
	if !strings.HasPrefix(got, parts[0]) {
		return false
	}
	got = got[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(got, p)
		}
		j := strings.Index(got, p)
		if j < 0 {
			return false
		}
		got = got[j+len(p):]
	}
	return got == ""
}

func repeatLines(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestParse_problemsCarryKeysAndRanges(t *testing.T) {
	_, err := Parse("slim.toml", []byte(base+"[run]\ninclude = [\"ok\", \"../up\"]\n"), testOpts)
	var de *Error
	if !errors.As(err, &de) || len(de.Problems) != 1 {
		t.Fatalf("got %v", err)
	}
	p := de.Problems[0]
	want := Problem{
		Key:   "run.include[1]",
		Range: Range{Start: Pos{4, 18}, End: Pos{4, 25}},
		Msg:   `path "../up" escapes the build context`,
	}
	if p != want {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
}
