package e2e

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// -update rewrites golden files (e2e/testdata/...) instead of comparing.
var update = flag.Bool("update", false, "rewrite golden files under e2e/testdata")

// badCase is one entry of the bad input catalogue: a build context, the
// buildx flags, and what the user must be told.
type badCase struct {
	name string
	toml string            // slim.toml after the syntax line
	raw  []byte            // the whole slim.toml when set (toml is ignored)
	ctx  map[string]string // context files; nil means go.mod + main.go
	// links are symlinks in the context (name -> target); outside are files
	// written in a sibling directory "outside" of the context.
	links   map[string]string
	outside map[string]string
	args    []string // extra buildx flags
	// line is the slim.toml line the error must point at: the report must
	// contain "slim.toml:<line>" and the source excerpt ">>>" marker. 0 for
	// errors that come from build flags, not the file.
	line int
	// mention lists strings the report must contain (besides the golden).
	mention []string
	ok      bool // the build must succeed (documents a non-error on purpose)
	// bug marks a known frontend/preset bug: while any check of the case
	// fails the case is skipped with this text; once all pass it fails,
	// asking to remove the marker.
	bug   string
	check func(t *testing.T, tar string)
}

// goCtx is the default context: a Go main package at the root.
func goCtx(extra ...string) map[string]string {
	m := map[string]string{"go.mod": goMod, "main.go": mainGo}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

const okGo = "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\n"

func badCatalogue() []badCase {
	// 1.5 MiB of comments: over descriptor.MaxSize (1 MiB), many short lines
	// so the source excerpt stays small.
	var huge strings.Builder
	huge.WriteString(syntaxLine + okGo)
	for huge.Len() < 3<<19 {
		huge.WriteString("# padding padding padding padding padding padding padding padding\n")
	}
	// What `-f` on a binary looks like: an ELF header and a few random bytes.
	junk := []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00")
	r := rand.New(rand.NewSource(7))
	for range 24 {
		junk = append(junk, byte(r.Intn(256)))
	}

	return []badCase{
		// --- TOML syntax ---
		{name: "syntax_unterminated_string", toml: "language = \"go\nentrypoint = \".\"\n", line: 2},
		{name: "syntax_bare_word_value", toml: "language = go\nentrypoint = \".\"\ndeps = [\"go.mod\"]\n", line: 2},
		{name: "syntax_missing_equals", toml: "language \"go\"\nentrypoint = \".\"\n", line: 2},
		{name: "syntax_unclosed_table_header", toml: "language = \"go\"\nentrypoint = \".\"\n[build\npackages = []\n", line: 4},
		// TOML arrays may span lines: the error is where the next key starts.
		{name: "syntax_unclosed_array", toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"\npreset = \"scratch\"\n", line: 5},
		{name: "duplicate_key", toml: okGo + "port = 8080\nport = 9090\n", line: 7},
		{name: "duplicate_table", toml: okGo + "[build]\nssh = true\n[build]\nssh = false\n", line: 8},
		{name: "dotted_key_then_table", toml: okGo + "build.ssh = true\n[build]\nsecrets = []\n", line: 7},
		// --- wrong types and values ---
		{name: "port_is_a_string", toml: okGo + "port = \"eighty\"\n", line: 6},
		{name: "port_out_of_range", toml: okGo + "port = 70000\n", line: 6},
		{name: "deps_is_a_string", toml: "language = \"go\"\nentrypoint = \".\"\ndeps = \"go.mod\"\n", line: 4},
		{name: "deps_element_is_a_number", toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\", 3]\n", line: 4},
		{name: "entrypoint_is_a_number", toml: "language = \"go\"\nentrypoint = 1\n", line: 3},
		{name: "env_value_is_a_table", toml: okGo + "[env]\nAPP = {mode = \"x\"}\n", line: 7},
		{name: "ssh_is_a_string", toml: okGo + "[build]\nssh = \"yes\"\n", line: 7},
		{name: "size_budget_unparsable", toml: okGo + "size_budget = \"1.5 lightyears\"\n", line: 6},
		{name: "user_is_a_name", toml: okGo + "user = \"nobody\"\n", line: 6},
		{name: "workdir_relative", toml: okGo + "workdir = \"app\"\n", line: 6},
		// --- unknown keys and values, missing keys ---
		{name: "misspelled_key", toml: "language = \"go\"\nentrypiont = \".\"\ndeps = [\"go.mod\"]\n", line: 3},
		{name: "unknown_table", toml: okGo + "[runtime]\npackages = []\n", line: 6},
		{name: "unknown_language", toml: "language = \"rust\"\nentrypoint = \".\"\n", line: 2},
		{name: "unknown_preset", toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"distrolss\"\n", line: 5},
		{name: "missing_language", toml: "entrypoint = \".\"\ndeps = [\"go.mod\"]\n", line: 1},
		{name: "missing_entrypoint", toml: "language = \"go\"\ndeps = [\"go.mod\"]\n", line: 1},
		{name: "only_the_syntax_line", toml: "", line: 1},
		{name: "key_unused_by_preset", toml: okGo + "[build]\nscript = \"make\"\n", line: 7},
		// --- huge file, binary junk ---
		{name: "huge_file", raw: []byte(huge.String()), line: 1, mention: []string{"1 MiB"}},
		{name: "binary_junk", raw: append([]byte(syntaxLine), junk...), line: 2},
		{name: "nul_byte_in_string", toml: "language = \"go\x00\"\nentrypoint = \".\"\n", line: 2},
		// --- paths outside the context ---
		{name: "entrypoint_dotdot", toml: "language = \"go\"\nentrypoint = \"../app\"\n", line: 3},
		{name: "deps_dotdot", toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"../go.mod\"]\n", line: 4},
		{name: "deps_absolute", toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"/etc/passwd\"]\n", line: 4},
		{name: "include_absolute", toml: okGo + "[run]\ninclude = [\"/etc\"]\n", line: 7},
		{name: "include_dotdot_inside", toml: okGo + "[run]\ninclude = [\"conf/../../secret\"]\n", line: 7},
		// A symlink in the context whose target is outside it: BuildKit
		// sends the link itself, never the file it points to, and resolves
		// it inside the context, where the target does not exist.
		{name: "deps_symlink_to_absolute_path", toml: okGo,
			ctx: map[string]string{"main.go": mainGo}, links: map[string]string{"go.mod": "/etc/passwd"}, line: 4},
		{name: "deps_symlink_to_parent_dir", toml: okGo,
			ctx: map[string]string{"main.go": mainGo}, links: map[string]string{"go.mod": "../outside/go.mod"},
			outside: map[string]string{"go.mod": "module example.com/outside\n\ngo 1.26\n"}, line: 4},
		{name: "entrypoint_symlink_to_outside_dir", toml: "language = \"go\"\nentrypoint = \"./cmd/app\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\n",
			ctx: map[string]string{"go.mod": goMod}, links: map[string]string{"cmd": "../outside/cmd"},
			outside: map[string]string{"cmd/app/main.go": mainGo}, line: 3},
		// --- paths that do not exist ---
		{name: "entrypoint_missing", toml: "language = \"go\"\nentrypoint = \"./cmd/nope\"\ndeps = [\"go.mod\"]\n", line: 3},
		{name: "deps_missing", toml: "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\", \"go.sum\"]\n", line: 4},
		{name: "deps_excluded_by_dockerignore", toml: okGo, ctx: goCtx(".dockerignore", "go.mod\n"), line: 4},
		// Without deps, the Python preset expects requirements.txt (Node:
		// package.json). When it is missing the error points at the
		// language line and says deps is not set.
		{name: "deps_default_file_missing", toml: "language = \"python\"\nentrypoint = \"app.py\"\n",
			ctx: map[string]string{"app.py": "print('hi')\n"}, line: 2, mention: []string{"requirements.txt", "deps is not set"}},
		{name: "go_entrypoint_is_a_file", toml: "language = \"go\"\nentrypoint = \"main.go\"\ndeps = [\"go.mod\"]\n", line: 3},
		{name: "go_compile_error", toml: okGo, ctx: goCtx("main.go", "package main\n\nfunc main() { undefined() }\n"), line: 3,
			mention: []string{"undefined"}},
		// --- versions, presets, platforms, build args ---
		{name: "go_version_unsupported_in_file", toml: okGo + "version = \"1.9\"\n", line: 6},
		{name: "go_version_unsupported_build_arg", toml: okGo, args: []string{"--build-arg", "SLIM_VERSION=1.9"},
			mention: []string{"SLIM_VERSION"}},
		{name: "preset_unknown_build_arg", toml: okGo, args: []string{"--build-arg", "SLIM_PRESET=nope"},
			mention: []string{"SLIM_PRESET"}},
		{name: "python_version_not_on_preset", toml: "language = \"python\"\nentrypoint = \"app.py\"\npreset = \"scratch\"\nversion = \"3.10\"\n",
			ctx: map[string]string{"app.py": "print('hi')\n"}, line: 5},
		{name: "platform_windows", toml: okGo, args: []string{"--platform", "windows/amd64"}, mention: []string{"windows", "Linux images"}},
		{name: "source_date_epoch_not_a_number", toml: okGo, args: []string{"--build-arg", "SOURCE_DATE_EPOCH=yesterday"},
			mention: []string{"SOURCE_DATE_EPOCH"}},
		// The secret is only found missing when the step that mounts it
		// runs: the error points at that step's key (deps), not [build].
		{name: "secret_declared_but_not_given", toml: okGo + "[build]\nsecrets = [\"token\"]\n", line: 4,
			mention: []string{"token"}},
		// --- not errors, on purpose: documented behaviour ---
		// An empty SLIM_PRESET is "not set" (CI templates pass empty
		// values): the file's preset is used.
		{name: "empty_preset_build_arg_keeps_the_file_preset", toml: okGo, args: []string{"--build-arg", "SLIM_PRESET="},
			ok: true, check: wantLabel("dev.slimfront.preset", "scratch")},
		// A build arg beats the file (CI switches presets per job).
		{name: "preset_build_arg_overrides_the_file", toml: okGo, args: []string{"--build-arg", "SLIM_PRESET=distroless"},
			ok: true, check: wantLabel("dev.slimfront.preset", "distroless")},
	}
}

func wantLabel(key, value string) func(t *testing.T, tar string) {
	return func(t *testing.T, tar string) {
		l, err := ocitar.Open(tar)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Images) == 0 {
			t.Fatal("no image in the OCI tar")
		}
		if got := l.Images[0].Config.Config.Labels[key]; got != value {
			t.Errorf("label %s = %q, want %q", key, got, value)
		}
	}
}

// TestBadInputCatalogue builds every catalogue case through real `docker
// buildx build` (two at a time) and compares what the user sees, the error
// part of the output, with testdata/badinput/<case>.golden. Regenerate with
//
//	go test ./e2e -run TestBadInputCatalogue -update
//
// and review the diff: the goldens are the documentation of our errors.
// Besides the golden, each case must point at its slim.toml line (or name
// the build flag at fault) and must never show a Go panic.
func TestBadInputCatalogue(t *testing.T) {
	requireEnv(t)
	cases := badCatalogue()
	if n := len(cases); n < 30 {
		t.Fatalf("the catalogue has %d cases; issue 7 asks for at least 30", n)
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %s", tc.name)
		}
		seen[tc.name] = true
	}
	if *update {
		old, _ := filepath.Glob(filepath.Join("testdata", "badinput", "*.golden"))
		for _, p := range old {
			if !seen[strings.TrimSuffix(filepath.Base(p), ".golden")] {
				os.Remove(p)
			}
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runBadCase(t, tc)
		})
	}
}

func runBadCase(t *testing.T, tc badCase) {
	top := t.TempDir()
	dir := filepath.Join(top, "ctx")
	files := tc.ctx
	if files == nil {
		files = goCtx()
	}
	writeFiles(t, dir, files)
	if len(tc.outside) > 0 {
		writeFiles(t, filepath.Join(top, "outside"), tc.outside)
	}
	for name, target := range tc.links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	src := tc.raw
	if src == nil {
		src = []byte(syntaxLine + tc.toml)
	}
	if err := os.WriteFile(filepath.Join(dir, "slim.toml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-f", "slim.toml", "--provenance=false"}, tc.args...)
	tar := filepath.Join(top, "img.tar")
	if tc.ok {
		args = append(args, "--output", "type=oci,dest="+tar+",name=app:latest")
	} else {
		args = append(args, "--output", "type=cacheonly")
	}
	out, err := buildx(t, dir, args...)
	var fails []string
	fail := func(format string, a ...any) { fails = append(fails, fmt.Sprintf(format, a...)) }
	defer func() {
		switch {
		case len(fails) > 0 && tc.bug != "":
			t.Skipf("known bug: %s\n%s", tc.bug, strings.Join(fails, "\n"))
		case len(fails) > 0:
			t.Errorf("%s\n----- full buildx output -----\n%s", strings.Join(fails, "\n"), clip([]byte(out)))
		case tc.bug != "" && !t.Failed():
			t.Errorf("known bug %q seems fixed: remove the bug marker of this case (and run -update)", tc.bug)
		}
	}()
	for _, bad := range []string{"panic:", "goroutine ", "internal error"} {
		if strings.Contains(out, bad) {
			fail("output contains %q: a frontend bug, not a user error", bad)
		}
	}
	if tc.ok {
		if err != nil {
			fail("build failed: %v", err)
		} else if tc.check != nil {
			tc.check(t, tar)
		}
		return
	}
	if err == nil {
		fail("build succeeded; want an error\n----- slim.toml -----\n%s", clip(src))
		return
	}
	got := normalizeReport(out, top)
	golden := filepath.Join("testdata", "badinput", tc.name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		fail("%v (run go test ./e2e -run TestBadInputCatalogue -update)\n----- got -----\n%s", err, got)
		return
	}
	if got != string(want) {
		fail("error report differs from %s (run with -update and review the diff)\n----- got -----\n%s----- want -----\n%s", golden, got, want)
	}
	if !strings.Contains(got, "ERROR: ") {
		fail("report has no ERROR line")
	}
	if tc.line > 0 {
		if !regexp.MustCompile(`slim\.toml:` + strconv.Itoa(tc.line) + `\b`).MatchString(got) {
			fail("report does not point at slim.toml:%d", tc.line)
		}
		if !regexp.MustCompile(`(?m)^\s*` + strconv.Itoa(tc.line) + ` \| >>> `).MatchString(got) {
			fail("report's source excerpt does not mark line %d with >>>", tc.line)
		}
	}
	for _, m := range tc.mention {
		if !strings.Contains(got, m) {
			fail("report does not mention %q", m)
		}
	}
}

var (
	progressLine = regexp.MustCompile(`^#\d+ `)
	digestRE     = regexp.MustCompile(`sha256:[0-9a-f]{64}`)
	logTimeRE    = regexp.MustCompile(`^(\s*)\d+\.\d+ `) // "0.123 output" lines of a failed step
	tmpRE        = regexp.MustCompile(`/tmp/[^\s"']*?/(ctx|outside)\b`)
	buildxTimeRE = regexp.MustCompile(`\b\d+(\.\d+)?m?s\b`)
)

// normalizeReport keeps the part of buildx's plain output users read when a
// build fails (source excerpt, failed step's log, ERROR line): no `#N`
// progress lines, and no temp dirs, digests or timings.
func normalizeReport(out, top string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		// goLogLine: the buildx client's own Go log lines (connection noise)
		if progressLine.MatchString(l) || l == "" || strings.HasPrefix(l, "#0 building with") || goLogLine.MatchString(l) {
			continue
		}
		l = strings.ReplaceAll(l, top, "$TMP")
		l = tmpRE.ReplaceAllString(l, "$$TMP/$1")
		l = digestRE.ReplaceAllString(l, "sha256:<digest>")
		l = logTimeRE.ReplaceAllString(l, "$1")
		if strings.HasPrefix(l, "WARNING:") {
			l = buildxTimeRE.ReplaceAllString(l, "<time>")
		}
		lines = append(lines, printable(l))
	}
	return strings.Join(lines, "\n") + "\n"
}

// printable escapes invalid UTF-8 and control characters so goldens of
// binary junk stay text files.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func clip(b []byte) string {
	if len(b) > 4000 {
		return string(b[:4000]) + fmt.Sprintf("\n... (%d more bytes)", len(b)-4000)
	}
	return string(b)
}
