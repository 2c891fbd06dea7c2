package python

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets/presettest"
)

func TestParseIncludesReadsPipsIncludeLines(t *testing.T) {
	t.Setenv("REQ_DIR", "reqs")
	text := "\xef\xbb\xbf# top comment -r not-this.txt\n" + // 1
		"-r base.txt\n" + // 2
		"--requirement=long.txt\n" + // 3
		"--requirement spaced.txt   # why\n" + // 4
		"-rattached.txt\n" + // 5
		"flask==3.1.0 # -r not-an-option.txt\n" + // 6
		"-c \\\n" + // 7
		"   constraints.txt\n" + // 8
		"--constraint=${REQ_DIR}/c2.txt\n" + // 9
		"-r https://example.com/remote.txt\n" + // 10
		"-e .\n" + // 11
		"--index-url https://pypi.org/simple\n" + // 12
		"-r ${UNSET_SLIMFRONT_VAR}/x.txt\n" // 13
	want := []include{
		{2, "-r", "base.txt"}, {3, "-r", "long.txt"}, {4, "-r", "spaced.txt"}, {5, "-r", "attached.txt"},
		{7, "-c", "constraints.txt"}, {9, "-c", "reqs/c2.txt"}, {13, "-r", "${UNSET_SLIMFRONT_VAR}/x.txt"},
	}
	if got := parseIncludes([]byte(text)); !slices.Equal(got, want) {
		t.Errorf("parseIncludes =\n%v\nwant\n%v", got, want)
	}
}

// mapFiles reads from an in-memory context, like presets.ContextFiles.
func mapFiles(m map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if s, ok := m[path.Clean(name)]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
}

const layeredApp = "language = \"python\"\nentrypoint = \"app.py\"\npreset = \"distroless\"\ndeps = [\"requirements/prod.txt\"]\n"

// Listing the top file is enough: every file it includes, recursively and
// relative to the including file, is copied with it before the install
// (cycles end, a file is listed once), and dev.txt, which nothing
// includes, is not.
func TestIncludedRequirementsAreCopiedBeforeTheInstall(t *testing.T) {
	app := h.Parse(t, layeredApp)
	in, err := parseDeps(app)
	if err != nil {
		t.Fatal(err)
	}
	files := mapFiles(map[string]string{
		"requirements/prod.txt":        "-r base.txt\n-c constraints.txt\ngunicorn==23.0.0\n",
		"requirements/base.txt":        "--requirement ../shared/common.txt\nflask==3.1.0\n-r prod.txt\n",
		"requirements/constraints.txt": "werkzeug<3.2\n",
		"shared/common.txt":            "itsdangerous\n",
		"requirements/dev.txt":         "-r base.txt\npytest\n",
	})
	if err := followIncludes(app, files, &in); err != nil {
		t.Fatal(err)
	}
	want := []string{"requirements/prod.txt", "requirements/base.txt", "requirements/constraints.txt", "shared/common.txt"}
	if !slices.Equal(in.manifests, want) {
		t.Errorf("manifests = %q, want %q", in.manifests, want)
	}
	if !slices.Equal(in.requirements, []string{"requirements/prod.txt"}) {
		t.Errorf("pip -r = %q, want only the top file (pip follows the includes itself)", in.requirements)
	}
	in2, _ := parseDeps(app)
	if err := followIncludes(app, nil, &in2); err != nil || len(in2.manifests) != 1 {
		t.Errorf("without context files: manifests %q, err %v; want the deps alone", in2.manifests, err)
	}
}

// An include that is missing or leaves the build context fails at the deps
// line, naming the requirements file and line of the include; all such
// problems are reported at once.
func TestBadIncludesNameTheFileAndLine(t *testing.T) {
	app := h.Parse(t, layeredApp)
	in, err := parseDeps(app)
	if err != nil {
		t.Fatal(err)
	}
	files := mapFiles(map[string]string{
		"requirements/prod.txt": "flask\n-r base.txt\n-c ../../outside.txt\n--constraint=/etc/pip/constraints.txt\n",
		"requirements/base.txt": "# base\n-r common.txt\n",
	})
	err = followIncludes(app, files, &in)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"slim.toml:4:9: deps[0]: requirements/prod.txt:3: -c ../../outside.txt leaves the build context",
		"slim.toml:4:9: deps[0]: requirements/prod.txt:4: -c /etc/pip/constraints.txt leaves the build context",
		"slim.toml:4:9: deps[0]: requirements/base.txt:2: -r common.txt: requirements/common.txt is not in the build context",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// In the plan, the included files are copied with the top file, from the
// context, in the deps stage's first step: before the install and before
// any source, so a source edit keeps the install cached.
func TestPlanCopiesIncludedRequirementsWithTheDeps(t *testing.T) {
	files := mapFiles(map[string]string{
		"requirements/prod.txt":        "-r base.txt\n-c constraints.txt\n",
		"requirements/base.txt":        "flask\n",
		"requirements/constraints.txt": "werkzeug==3.1.3\n",
	})
	hc := presettest.Harness{Language: "python", Preset: New().WithContext(files)}
	deps := presettest.Stage(t, hc.Plan(t, layeredApp), "deps")
	c := deps.Steps[0].Copy
	want := []string{"requirements/prod.txt", "requirements/base.txt", "requirements/constraints.txt"}
	if c == nil || c.From != llbgen.Context || !c.Parents || !slices.Equal(c.Src, want) {
		t.Fatalf("first deps step = %s, want a copy of %q from the context with their parents", llbgen.Describe(deps.Steps[0]), want)
	}
	if r := deps.Steps[1].Run; r == nil || !slices.Contains(r.Argv, "requirements/prod.txt") || slices.Contains(r.Argv, "requirements/base.txt") {
		t.Errorf("install = %s, want pip -r of the top file only", llbgen.Describe(deps.Steps[1]))
	}
}
