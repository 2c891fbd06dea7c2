package elfdeps

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const sp = "/opt/venv/lib/python3.13/site-packages"

// pythonTree writes a venv with two distributions: "pkg" (top_level.txt)
// whose tests are imported by a module (so they stay) in one subpackage and
// not in another, and "other" (RECORD only).
func pythonTree(t *testing.T) string {
	dir := t.TempDir()
	files := map[string]string{
		sp + "/pkg-1.0.dist-info/top_level.txt":                      "pkg\n",
		sp + "/pkg-1.0.dist-info/RECORD":                             "pkg/__init__.py,,\n",
		sp + "/pkg-1.0.dist-info/LICENSE":                            "MIT",
		sp + "/pkg/__init__.py":                                      "import os\nfrom pkg.core import x\n",
		sp + "/pkg/tests/__init__.py":                                "",
		sp + "/pkg/tests/test_a.py":                                  "import pkg.tests.helpers\n",
		sp + "/pkg/tests/__pycache__/test_a.cpython-313.pyc":         "bytecode",
		sp + "/pkg/core/__init__.py":                                 "x = 1\n",
		sp + "/pkg/core/include/pkg.h":                               "/* header */",
		sp + "/pkg/core/libpkg.a":                                    "archive",
		sp + "/pkg/core/__init__.pyi":                                "x: int",
		sp + "/pkg/core/tests/test_core.py":                          "",
		sp + "/pkg/core/tests/LICENSE.txt":                           "licence inside a test dir",
		sp + "/pkg/io/__init__.py":                                   "from . import tests as _selftest\n",
		sp + "/pkg/io/tests/__init__.py":                             "",
		sp + "/pkg/util.py":                                          "from pkg.core.tests._natype import NA\n",
		sp + "/pkg/core/tests/data/x.csv":                            "a,b",
		sp + "/pkg/core/tests/_natype.py":                            "NA = None",
		sp + "/pkg/core/tests/__pycache__/_natype.cpython-313.pyc":   "bytecode",
		sp + "/pkg/core/tests/__pycache__/test_core.cpython-313.pyc": "bytecode",
		sp + "/pkg/conftest.py":                                      "from pkg.core.tests import fixtures  # pytest's, not a module\n",
		sp + "/pkg/docs/index.rst":                                   "docs",
		sp + "/other-2.0.dist-info/RECORD":                           "other/__init__.py,sha256=x,1\nother/test/t.py,,\n../../../bin/other,,\n",
		sp + "/other/__init__.py":                                    "",
		sp + "/other/test/t.py":                                      "assert True",
		sp + "/tests/__init__.py":                                    "top-level tests package some dist installs",
		sp + "/tests-0.1.dist-info/top_level.txt":                    "tests\n",
	}
	for p, s := range files {
		put(t, dir, p, []byte(s), 0o644)
	}
	return dir
}

func TestPlanTrimPython(t *testing.T) {
	dir := pythonTree(t)
	tr, err := PlanTrim(mustRoot(t, dir), []string{"/opt/venv"}, TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantDirs := map[string]bool{sp + "/pkg/tests": true, sp + "/pkg/docs": true, sp + "/other/test": true,
		sp + "/pkg/core/tests/data": true} // in a test package that stays in part: no empty directory left
	if !reflect.DeepEqual(tr.Dirs, wantDirs) {
		t.Errorf("dirs removed whole = %v, want %v", tr.Dirs, wantDirs)
	}
	for _, f := range []string{"/pkg/tests/__pycache__/test_a.cpython-313.pyc", "/pkg/core/include/pkg.h", "/pkg/core/libpkg.a",
		"/pkg/core/__init__.pyi", "/pkg/core/tests/test_core.py", "/pkg/core/tests/__pycache__/test_core.cpython-313.pyc", "/other/test/t.py"} {
		if !tr.Files[sp+f] {
			t.Errorf("%s is not removed", f)
		}
	}
	for _, f := range []string{"/pkg/core/tests/LICENSE.txt", "/pkg/io/tests/__init__.py", "/pkg/core/tests/_natype.py", "/pkg/core/tests/__pycache__/_natype.cpython-313.pyc", "/pkg/__init__.py", "/tests/__init__.py", "/pkg-1.0.dist-info/LICENSE"} {
		if tr.Files[sp+f] {
			t.Errorf("%s is removed; it must stay", f)
		}
	}
	if tr.Dirs[sp+"/pkg/core/tests"] {
		t.Errorf("pkg/core/tests is removed whole though it holds a licence")
	}
	if want := []string{"pkg/core/tests/_natype: imported by pkg/util.py", "pkg/io/tests: imported by pkg/io/__init__.py"}; !reflect.DeepEqual(tr.Report.Kept, want) {
		t.Errorf("kept = %q, want %q", tr.Report.Kept, want)
	}
	if tr.Report.Kinds["headers"] != int64(len("/* header */")) || tr.Report.Kinds["static-libs"] != 7 || tr.Report.Kinds["stubs"] != 6 {
		t.Errorf("kinds = %v", tr.Report.Kinds)
	}
	if tr.Report.Packages["other"] != int64(len("assert True")) {
		t.Errorf("packages = %v, want other's test file counted for other", tr.Report.Packages)
	}

	// [run] keep: pkg/tests stays whole; a kept file inside a directory
	// keeps the directory, the rest of it goes
	tr, err = PlanTrim(mustRoot(t, dir), []string{"/opt/venv"}, TrimOptions{Keep: []string{"pkg/tests", "pkg/docs/index.rst"}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Dirs[sp+"/pkg/tests"] || tr.Files[sp+"/pkg/tests/test_a.py"] || tr.Dirs[sp+"/pkg/docs"] || tr.Files[sp+"/pkg/docs/index.rst"] {
		t.Errorf("kept paths are removed: dirs %v", tr.Dirs)
	}
	// the report names both kept paths, the one inside a removed directory too
	for _, want := range []string{"pkg/tests: [run] keep", "pkg/docs/index.rst: [run] keep"} {
		found := false
		for _, k := range tr.Report.Kept {
			found = found || k == want
		}
		if !found {
			t.Errorf("report's kept %q lacks %q", tr.Report.Kept, want)
		}
	}
}

func TestPlanTrimNode(t *testing.T) {
	dir := t.TempDir()
	nm := "/app/node_modules"
	files := map[string]string{
		"/app/package.json":                   `{"name":"app"}`,
		"/app/README.md":                      "the app's own readme is no package's",
		nm + "/a/package.json":                `{"main":"lib/index","files":["lib","README.md","docs"]}`,
		nm + "/a/README.md":                   "readme",
		nm + "/a/LICENSE":                     "MIT",
		nm + "/a/lib/index.js":                "module.exports = require('./util')",
		nm + "/a/lib/util.js":                 "",
		nm + "/a/lib/util.js.map":             "{}",
		nm + "/a/lib/index.d.ts":              "export {}",
		nm + "/a/docs/api.md":                 "listed in files",
		nm + "/a/test/a.test.js":              "",
		nm + "/@s/b/package.json":             `{"exports":{".":"./index.js","./examples/*":"./examples/*.js"}}`,
		nm + "/@s/b/index.js":                 "const t = require('./tests/fixture.json')",
		nm + "/@s/b/tests/fixture.json":       "{}",
		nm + "/@s/b/examples/demo.js":         "",
		nm + "/@s/b/examples/notes.txt":       "",
		nm + "/@s/b/CHANGELOG.md":             "changes",
		nm + "/@s/b/src/index.ts":             "export const x = 1",
		nm + "/a/node_modules/c/package.json": `{}`,
		nm + "/a/node_modules/c/History.md":   "nested",
	}
	for p, s := range files {
		put(t, dir, p, []byte(s), 0o644)
	}
	tr, err := PlanTrim(mustRoot(t, dir), []string{"/app"}, TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"/a/README.md", "/a/lib/util.js.map", "/a/lib/index.d.ts", "/a/test/a.test.js",
		"/@s/b/examples/notes.txt", "/@s/b/CHANGELOG.md", "/@s/b/src/index.ts", "/a/node_modules/c/History.md"}
	for _, f := range wantFiles {
		if !tr.Files[nm+f] {
			t.Errorf("%s is not removed", f)
		}
	}
	if len(tr.Files) != len(wantFiles) {
		t.Errorf("removed %d files, want %d: %v", len(tr.Files), len(wantFiles), tr.Files)
	}
	if want := map[string]bool{nm + "/a/test": true}; !reflect.DeepEqual(tr.Dirs, want) {
		t.Errorf("dirs = %v, want %v (examples/ holds an exports target, tests/ is required)", tr.Dirs, want)
	}
	if tr.Report.Packages["@s/b"] == 0 || tr.Report.Packages["c"] != 6 || tr.Report.Kinds["sourcemaps"] != 2 {
		t.Errorf("report = %+v", tr.Report)
	}

	tr, err = PlanTrim(mustRoot(t, dir), []string{"/app"}, TrimOptions{SourceMaps: true, Keep: []string{"a/README.md"}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Files[nm+"/a/lib/util.js.map"] || tr.Files[nm+"/a/README.md"] {
		t.Errorf("source maps or a kept file removed: %v", tr.Files)
	}
}

// TestCopyLeavesTrimmedPathsOut checks that Copy honours the plan: no
// removed file and no removed directory (not even empty) in the output,
// and the report in the stats.
func TestCopyLeavesTrimmedPathsOut(t *testing.T) {
	dir := pythonTree(t)
	root := mustRoot(t, dir)
	tr, err := PlanTrim(root, []string{"/opt/venv"}, TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	st, err := Copy(root, &Closure{}, out, CopyOptions{Entries: []string{"/opt/venv"}, Trim: tr})
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{sp + "/pkg/tests", sp + "/pkg/core/include/pkg.h", sp + "/other/test", sp + "/pkg/core/tests/data"} {
		if _, err := os.Lstat(filepath.Join(out, gone)); !os.IsNotExist(err) {
			t.Errorf("%s is in the copy (%v)", gone, err)
		}
	}
	for _, kept := range []string{sp + "/pkg/io/tests/__init__.py", sp + "/pkg/core/tests/LICENSE.txt", sp + "/pkg/__init__.py"} {
		if _, err := os.Lstat(filepath.Join(out, kept)); err != nil {
			t.Errorf("%s is not in the copy: %v", kept, err)
		}
	}
	if st.Trimmed == nil || st.Trimmed.Files != tr.Report.Files || st.Files+tr.Report.Files != 27 {
		t.Errorf("stats %+v (trimmed %+v), want the 27 files split between copied and trimmed", st, st.Trimmed)
	}
}

// Compilers' inputs inside a distribution (C and Cython sources, Cython
// declarations) go as "sources"; the same names outside the
// distributions' packages, and .py files, stay.
func TestPlanTrimPythonSources(t *testing.T) {
	dir := t.TempDir()
	for p, s := range map[string]string{
		sp + "/fast-1.0.dist-info/top_level.txt": "fast\n",
		sp + "/fast/__init__.py":                 "from fast._speedups import f\n",
		sp + "/fast/_speedups.c":                 "/* generated */",
		sp + "/fast/_speedups.pyx":               "def f(): pass",
		sp + "/fast/__init__.pxd":                "cdef int x",
		sp + "/fast/inc.pxi":                     "DEF N = 1",
		sp + "/fast/ops.cpp":                     "int main() {}",
		sp + "/loose.c":                          "/* not a distribution's */",
	} {
		put(t, dir, p, []byte(s), 0o644)
	}
	tr, err := PlanTrim(mustRoot(t, dir), []string{"/opt/venv"}, TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"_speedups.c", "_speedups.pyx", "__init__.pxd", "inc.pxi", "ops.cpp"} {
		if !tr.Files[sp+"/fast/"+f] {
			t.Errorf("fast/%s is not removed", f)
		}
	}
	if tr.Files[sp+"/fast/__init__.py"] || tr.Files[sp+"/loose.c"] {
		t.Errorf("removed %v, want only the distribution's sources", tr.Files)
	}
	if tr.Report.Kinds["sources"] == 0 || tr.Report.Packages["fast"] != tr.Report.Bytes {
		t.Errorf("report %+v, want the bytes under kind sources and package fast", tr.Report)
	}
}

// importLines keeps exactly what pyImports' expressions can match: import
// and from lines, a parenthesised list across lines, indented imports.
func TestImportLines(t *testing.T) {
	src := "\"\"\"doc\"\"\"\nimport os, sys\nx = 1\nfrom .tests import (\n    a,\n    b,\n)\ny = (2)\ndef f():\n    from pkg.tests._natype import NA  # lazy\n    return NA\nfrom . import z\n"
	want := "import os, sys\nfrom .tests import (\n    a,\n    b,\n)\n    from pkg.tests._natype import NA  # lazy\nfrom . import z\n"
	if got := importLines(src); got != want {
		t.Errorf("importLines:\n%q\nwant\n%q", got, want)
	}
	got := pyImports("pkg/sub/m.py", src)
	for _, m := range []string{"os", "sys", "pkg.sub.tests", "pkg.sub.tests.a", "pkg.sub.tests.b", "pkg.tests._natype", "pkg.tests._natype.NA", "pkg.sub", "pkg.sub.z"} {
		found := false
		for _, g := range got {
			found = found || g == m
		}
		if !found {
			t.Errorf("pyImports lacks %s: %q", m, got)
		}
	}
}

// Sourceless ([run] sourceless) leaves out each X.py with X.pyc beside it,
// after trimming has read the sources' import lines: the imported test
// module stays as bytecode only, a .py without bytecode stays, and the
// count matches.
func TestCopySourcelessAfterTrim(t *testing.T) {
	dir := pythonTree(t)
	for p, s := range map[string]string{
		sp + "/pkg/__init__.pyc":             "bytecode",
		sp + "/pkg/util.pyc":                 "bytecode",
		sp + "/pkg/core/tests/_natype.pyc":   "bytecode",
		sp + "/pkg/core/tests/test_core.pyc": "bytecode",
		sp + "/pkg/bare.py":                  "print('no bytecode')\n",
		sp + "/pkg/data.pyc/keep.py":         "a directory named like bytecode\n",
	} {
		put(t, dir, p, []byte(s), 0o644)
	}
	root := mustRoot(t, dir)
	tr, err := PlanTrim(root, []string{"/opt/venv"}, TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	st, err := Copy(root, &Closure{}, out, CopyOptions{Entries: []string{"/opt/venv"}, Trim: tr, Sourceless: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{sp + "/pkg/__init__.py", sp + "/pkg/util.py", sp + "/pkg/core/tests/_natype.py", sp + "/pkg/core/tests/test_core.pyc"} {
		if _, err := os.Lstat(filepath.Join(out, gone)); !os.IsNotExist(err) {
			t.Errorf("%s is in the copy (%v)", gone, err)
		}
	}
	for _, kept := range []string{sp + "/pkg/__init__.pyc", sp + "/pkg/util.pyc", sp + "/pkg/core/tests/_natype.pyc", sp + "/pkg/bare.py", sp + "/pkg/data.pyc/keep.py", sp + "/pkg/core/__init__.py"} {
		if _, err := os.Lstat(filepath.Join(out, kept)); err != nil {
			t.Errorf("%s is not in the copy: %v", kept, err)
		}
	}
	want := FileCount{Files: 3, Bytes: int64(len("import os\nfrom pkg.core import x\n") + len("from pkg.core.tests._natype import NA\n") + len("NA = None"))}
	if st.Sourceless == nil || *st.Sourceless != want {
		t.Errorf("sourceless = %+v, want %+v", st.Sourceless, want)
	}
	st, err = Copy(root, &Closure{}, t.TempDir(), CopyOptions{Entries: []string{"/opt/venv"}})
	if err != nil || st.Sourceless != nil {
		t.Errorf("without Sourceless: stats %+v, err %v", st.Sourceless, err)
	}
}

// A test module kept because a non-test module imports it keeps what its
// own import runs: its package's __init__.py and their imports, in turn
// (Django's django/contrib/admin/tests.py imports django.test, whose
// __init__.py imports django.test.client and the rest).
func TestPlanTrimKeepsWhatAKeptModuleImports(t *testing.T) {
	dir := t.TempDir()
	for p, s := range map[string]string{
		sp + "/web-1.0.dist-info/top_level.txt": "web\n",
		sp + "/web/__init__.py":                 "",
		sp + "/web/admin/__init__.py":           "",
		sp + "/web/admin/tests.py":              "from web.test import LiveServer\n",
		sp + "/web/test/__init__.py":            "from web.test.client import Client\nfrom .server import LiveServer\n",
		sp + "/web/test/client.py":              "from . import signals\n",
		sp + "/web/test/signals.py":             "",
		sp + "/web/test/server.py":              "import web.test.utils as u\n",
		sp + "/web/test/utils.py":               "",
		sp + "/web/test/unused.py":              "",
		sp + "/web/test/data/big.bin":           "data",
	} {
		put(t, dir, p, []byte(s), 0o644)
	}
	tr, err := PlanTrim(mustRoot(t, dir), []string{"/opt/venv"}, TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, kept := range []string{"__init__.py", "client.py", "signals.py", "server.py", "utils.py"} {
		if tr.Files[sp+"/web/test/"+kept] {
			t.Errorf("web/test/%s is trimmed, though importing web.test runs it", kept)
		}
	}
	for _, gone := range []string{"unused.py", "data/big.bin"} {
		if !tr.Files[sp+"/web/test/"+gone] {
			t.Errorf("web/test/%s stays; nothing imports it", gone)
		}
	}
}
