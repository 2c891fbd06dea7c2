package e2e

import (
	"path"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Python versions other than Debian trixie's 3.13 on distroless and scratch
// (issue 14): the builder is the official python:<v>-slim-trixie image
// (stood in by hack/env.d/lang-python-official.sh), the final image
// distroless cc-debian13 plus its trimmed /usr/local tree, or scratch with
// the tree's closure. Neither example's slim.toml names a version:
// python-311-pinned takes 3.11 from .python-version (its requires-python is
// ">=3.11,<3.13"), python-314-requires the newest its requires-python
// (">=3.14") allows. Each reports sys.version over HTTP and imports the
// stdlib's extension modules (sqlite3, ssl, lzma, bz2, ctypes, decimal,
// uuid, zoneinfo; compression.zstd on 3.14), whose shared libraries the
// image must carry.

// pythonVersionExamples maps each example to the Python it must run.
var pythonVersionExamples = map[string]string{"python-311-pinned": "3.11", "python-314-requires": "3.14"}

// TestPythonVersionsOnDistrolessAndScratch builds each example on
// distroless and scratch through `docker buildx build` (the literal syntax
// line), checks the image (uid 65532, no shell, no pip or build tools, the
// interpreter at /usr/local, no stdlib test suite, size budget), runs it,
// GETs / (the version) and /modules, and checks that SIGTERM stops it.
func TestPythonVersionsOnDistrolessAndScratch(t *testing.T) {
	requireEnv(t)
	for ex, v := range pythonVersionExamples {
		for _, preset := range pythonPresets {
			t.Run(ex+"/"+preset, func(t *testing.T) {
				t.Parallel()
				e := loadExpect(t, repoPath("examples", ex))
				dir := copyExample(t, ex)
				checkSyntaxLine(t, dir)
				im, tarPath := buildPresetImage(t, dir, preset)
				checkSize(t, im, e, preset)
				checkNoShell(t, im)
				checkNoBuildTools(t, im)
				checkOfficialPythonImage(t, im, v)
				if t.Failed() {
					return
				}
				c := runImage(t, tarPath)
				c.checkServes(t, e)
				if got := c.get(t, "/"); !regexp.MustCompile(`^python ` + regexp.QuoteMeta(v) + `\.[0-9]+ `).MatchString(got) {
					t.Errorf("GET / = %q, want sys.version of Python %s", got, v)
				}
				c.checkUID(t)
				c.checkStopsOnSIGTERM(t, 2*time.Second)
			})
		}
	}
}

// checkOfficialPythonImage checks the files an image on the official
// interpreter tree must have, and what it must not: the interpreter and
// libpython under /usr/local, the stdlib as a zip of bytecode with the
// extension modules as files, the venv made for version v, and neither the
// stdlib's tests, tkinter, ensurepip, the interpreter's own pip nor Debian's
// python3.13.
func checkOfficialPythonImage(t *testing.T, im *ociImage, v string) {
	t.Helper()
	nodot := strings.ReplaceAll(v, ".", "")
	lib := "usr/local/lib/python" + v
	for _, p := range []string{
		"usr/local/bin/python" + v,
		"usr/local/lib/libpython" + v + ".so.1.0",
		"usr/local/lib/python" + nodot + ".zip",
		lib + "/os.py",
		lib + "/lib-dynload",
		"opt/venv/pyvenv.cfg",
		"opt/venv/lib/python" + v + "/site-packages/_slimfront_sigterm.pth",
		"opt/venv/lib/python" + v + "/site-packages/__pycache__/_slimfront_sigterm.cpython-" + nodot + ".pyc",
	} {
		if !im.Has(p) {
			t.Errorf("image lacks %s", p)
		}
	}
	bad := regexp.MustCompile(`^` + regexp.QuoteMeta(lib) + `/(test|idlelib|tkinter|ensurepip|site-packages|config-` + regexp.QuoteMeta(v) + `[^/]*)/|` +
		`^` + regexp.QuoteMeta(lib) + `/lib-dynload/_tkinter|^usr/bin/python3\.13$|^usr/lib/python3\.13/`)
	dynload := 0
	for _, l := range im.Layers {
		for name := range l.Files {
			if bad.MatchString(name) {
				t.Errorf("image has %s", name)
			}
			if path.Dir(name) == lib+"/lib-dynload" && strings.HasSuffix(name, ".so") {
				dynload++
			}
		}
	}
	if dynload < 20 {
		t.Errorf("%d extension modules in %s/lib-dynload, want the stdlib's (more than 20)", dynload, lib)
	}
}

// TestPythonVersionExcludedByRequiresPython: an explicit version that
// pyproject.toml's requires-python excludes fails before anything is built,
// at the descriptor's version line (or naming the build arg), quoting the
// constraint with its file and line and the versions it allows.
func TestPythonVersionExcludedByRequiresPython(t *testing.T) {
	requireEnv(t)
	pyproject := "[project]\nname = \"x\"\nversion = \"1\"\nrequires-python = \">=3.11,<3.13\"\ndependencies = []\n"
	for _, tc := range []struct {
		name string
		toml string
		args []string
		want []anyOf
	}{{
		name: "in_the_file",
		toml: "language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"pyproject.toml\"]\nversion = \"3.14\"\n",
		want: []anyOf{{"slim.toml:5"}, {`version = "3.14"`}, {`Python 3.14 is excluded by requires-python = ">=3.11,<3.13" (pyproject.toml:4)`}, {"versions it allows here: 3.11, 3.12"}},
	}, {
		name: "build_arg",
		toml: "language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"pyproject.toml\"]\n",
		args: []string{"--build-arg", "SLIM_VERSION=3.13"},
		want: []anyOf{{"SLIM_VERSION"}, {`Python 3.13 is excluded by requires-python = ">=3.11,<3.13" (pyproject.toml:4)`}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"slim.toml": syntaxLine + tc.toml, "pyproject.toml": pyproject, "app.py": "print('hi')\n"})
			out, err := buildx(t, dir, append([]string{"-f", "slim.toml", "--output", "type=cacheonly"}, tc.args...)...)
			if err == nil {
				t.Fatalf("build succeeded\n%s", out)
			}
			if missing := lacking(errorReport(out), tc.want); len(missing) > 0 {
				t.Errorf("error output lacks %q\n----- buildx output -----\n%s", missing, out)
			} else {
				t.Logf("error report:\n%s", strings.TrimSpace(errorReport(out)))
			}
		})
	}
}
