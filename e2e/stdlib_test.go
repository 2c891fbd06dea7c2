package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slimfront/slimfront/internal/elfdeps"
)

// dynloadDir is where the scratch image of Debian's Python 3.13 has the
// standard library's extension modules.
const dynloadDir = "usr/lib/python3.13/lib-dynload/"

// hasModule reports whether the image has an extension module of
// lib-dynload named mod (mod.cpython-313-<arch>.so), and hasLib whether
// it has a file of the shared library named prefix (libsqlite3.so).
func hasModule(im *ociImage, mod string) bool { return len(filesUnder(im, dynloadDir+mod+".")) > 0 }

func hasLib(im *ociImage, prefix string) bool {
	return len(filesUnder(im, "usr/lib/x86_64-linux-gnu/"+prefix)) > 0
}

// TestStdlibExtensionsNothingImports: examples/python-flask on scratch has
// no _sqlite3 and no libsqlite3 (neither the app nor its dependencies nor
// the interpreter's start imports sqlite3 or dbm), nor the _interp*
// modules; the image's trimming report names them with their bytes; the
// extension modules flask needs (_ssl, _hashlib, _asyncio) stay and the
// app answers. [run] keep = ["sqlite3"] brings _sqlite3 and libsqlite3
// back, and `slim build` prints the stdlib line.
func TestStdlibExtensionsNothingImports(t *testing.T) {
	requireEnv(t)
	const example = "python-flask"
	e := loadExpect(t, repoPath("examples", example))
	dir := copyExample(t, example)
	report := strings.TrimPrefix(elfdeps.TrimReportPath, "/")
	tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET=scratch", "--no-cache-filter", "libs") // the closure runs, so its line is in the log
	im, err := readOCIImages(tarPath, func(name string, _ int64) bool { return name == report })
	if err != nil || len(im) != 1 {
		t.Fatalf("images: %v (%d)", err, len(im))
	}
	for _, m := range []string{"_sqlite3", "_interpreters", "_interpqueues", "_interpchannels"} {
		if hasModule(im[0], m) {
			t.Errorf("the image has %s, which nothing imports", m)
		}
	}
	if hasLib(im[0], "libsqlite3.so") {
		t.Errorf("the image has libsqlite3, which only _sqlite3 loads")
	}
	for _, m := range []string{"_ssl", "_hashlib", "_asyncio", "_decimal", "_codecs_jp"} {
		if !hasModule(im[0], m) {
			t.Errorf("the image lacks %s, which the app, its dependencies or the interpreter import", m)
		}
	}
	r := imageTrimReport(t, im[0])
	t.Logf("stdlib left out: %v, %d bytes; image %.2f MB", r.Stdlib, r.Kinds["stdlib-extensions"], float64(im[0].UncompressedSize())/1e6)
	if !slices.Contains(r.Stdlib, "_sqlite3") || r.Kinds["stdlib-extensions"] < 1<<20 || r.Packages["stdlib"] != r.Kinds["stdlib-extensions"] {
		t.Errorf("the trimming report lacks _sqlite3 and libsqlite3's megabyte: %+v", r)
	}
	if tr := trimOf(t, out); tr.Trimmed == nil || tr.Trimmed.Kinds["stdlib-extensions"] != r.Kinds["stdlib-extensions"] {
		t.Errorf("the closure's line and the image's report differ: %+v", tr.Trimmed)
	}
	checkSize(t, im[0], e, "scratch")
	if t.Failed() {
		return
	}
	c := runImage(t, tarPath)
	c.checkServes(t, e)
	if code, out := c.exec(t, 20*time.Second, "/opt/venv/bin/python", "-c", "import sqlite3"); code == 0 {
		t.Errorf("import sqlite3 works in the image (want ModuleNotFoundError: _sqlite3 was left out)\n%s", out)
	}

	// slim build (from the cache just filled) prints the stdlib line
	code, stdout, stderr := slimBuild(t, "--progress=quiet", "--preset", "scratch", "--output", "type=oci,dest="+filepath.Join(t.TempDir(), "slim.tar"), dir)
	if code != 0 {
		t.Fatalf("slim build: exit %d\n%s", code, tail(stderr, 30))
	}
	if !strings.Contains(stdout, "  stdlib:      _interpchannels, _interpqueues, _interpreters, _sqlite3, libsqlite3.so") {
		t.Errorf("slim build's report lacks the stdlib line:\n%s", stdout)
	}

	// [run] keep = ["sqlite3"]: the module and its library stay
	toml := filepath.Join(dir, "slim.toml")
	if err := os.WriteFile(toml, append(mustRead(t, toml), []byte("\n[run]\nkeep = [\"sqlite3\"]\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	tarPath, _ = mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET=scratch")
	im, err = readOCIImages(tarPath, nil)
	if err != nil || len(im) != 1 {
		t.Fatalf("images: %v (%d)", err, len(im))
	}
	if !hasModule(im[0], "_sqlite3") || !hasLib(im[0], "libsqlite3.so") {
		t.Errorf("[run] keep = [\"sqlite3\"]: _sqlite3 (%v) or libsqlite3 (%v) is missing", hasModule(im[0], "_sqlite3"), hasLib(im[0], "libsqlite3.so"))
	}
	if hasModule(im[0], "_interpreters") {
		t.Errorf("[run] keep = [\"sqlite3\"] kept _interpreters too")
	}
	c = runImage(t, tarPath)
	if code, out := c.exec(t, 20*time.Second, "/opt/venv/bin/python", "-c", "import sqlite3; sqlite3.connect(':memory:').execute('select 1')"); code != 0 {
		t.Errorf("[run] keep = [\"sqlite3\"]: import sqlite3 fails in the image\n%s", out)
	}
}
