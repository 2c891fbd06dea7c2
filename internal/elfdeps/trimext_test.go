package elfdeps

import (
	"reflect"
	"sort"
	"testing"
)

// Private extension modules that nothing left in site-packages names go
// (numpy's test-suite C modules; pytest's conftest.py goes first, so its
// mention does not count); a name in a kept .py, in entry_points.txt
// or at the end of another ELF file's string keeps one; RECORD, stubs and
// removed test files are no mentions; public, top-level, auditwheel-vendored
// and [run] keep paths always stay.
func TestPlanTrimUnimportedExtensions(t *testing.T) {
	dir := t.TempDir()
	elf := func(strs ...string) []byte {
		b := []byte("\x7fELF\x02\x01\x01\x00")
		for _, s := range strs {
			b = append(append(b, s...), 0, 0xff)
		}
		return b
	}
	files := map[string][]byte{
		sp + "/pkg-1.0.dist-info/top_level.txt":                   []byte("pkg\n"),
		sp + "/pkg-1.0.dist-info/RECORD":                          []byte("pkg/_core/_byrecord.so,,\npkg/_core/_simd.cpython-313-x86_64-linux-gnu.so,,\n"),
		sp + "/pkg-1.0.dist-info/entry_points.txt":                []byte("[console_scripts]\nrun = pkg._core._entry:main\n"),
		sp + "/pkg/__init__.py":                                   []byte("from pkg._core import _multi\n"),
		sp + "/pkg/_core/__init__.py":                             []byte(""),
		sp + "/pkg/_core/_simd.cpython-313-x86_64-linux-gnu.so":   elf("_simd", "PyInit__simd", "pkg._core._simd"),
		sp + "/pkg/_core/_simd.pyi":                               []byte("import pkg._core._simd\n"),
		sp + "/pkg/_core/_byrecord.so":                            elf("_byrecord"),
		sp + "/pkg/_core/_multi.cpython-313-x86_64-linux-gnu.so":  elf("_multi", "numpy_import_helper"),
		sp + "/pkg/_core/_helper.abi3.so":                         elf("PyInit__helper"),
		sp + "/pkg/_core/_entry.so":                               elf("PyInit__entry"),
		sp + "/pkg/_core/_kept_tests.so":                          elf("PyInit__kept_tests"),
		sp + "/pkg/calls.so":                                      elf("pkg._core._helper", "public_calls"),
		sp + "/pkg/public.cpython-313-x86_64-linux-gnu.so":        elf("PyInit_public"),
		sp + "/pkg/conftest.py":                                   []byte("from pkg._core import _byconftest\n"),
		sp + "/pkg/__pycache__/conftest.cpython-313-pytest-8.pyc": []byte("bytecode"),
		sp + "/pkg/_core/_byconftest.so":                          elf("PyInit__byconftest"),
		sp + "/pkg/tests/test_simd.py":                            []byte("from pkg._core import _simd, _byrecord\n"),
		sp + "/_top.cpython-313-x86_64-linux-gnu.so":              elf("PyInit__top"),
		sp + "/pkg.libs/_vendored-1a2b.so":                        elf("libvendored"),
	}
	for p, b := range files {
		put(t, dir, p, b, 0o644)
	}
	tr, err := PlanTrim(mustRoot(t, dir), []string{"/opt/venv"}, TrimOptions{Keep: []string{"pkg/_core/_kept_tests.so"}})
	if err != nil {
		t.Fatal(err)
	}
	var gone []string
	for f := range tr.Files {
		gone = append(gone, f)
	}
	sort.Strings(gone)
	want := []string{sp + "/pkg/__pycache__/conftest.cpython-313-pytest-8.pyc", sp + "/pkg/_core/_byconftest.so", sp + "/pkg/_core/_byrecord.so", sp + "/pkg/_core/_simd.cpython-313-x86_64-linux-gnu.so", sp + "/pkg/_core/_simd.pyi", sp + "/pkg/conftest.py", sp + "/pkg/tests/test_simd.py"}
	if !reflect.DeepEqual(gone, want) {
		t.Errorf("removed %q, want %q", gone, want)
	}
	wantBytes := int64(len(files[sp+"/pkg/_core/_byconftest.so"]) + len(files[sp+"/pkg/_core/_byrecord.so"]) + len(files[sp+"/pkg/_core/_simd.cpython-313-x86_64-linux-gnu.so"]))
	if tr.Report.Kinds[unimportedKind] != wantBytes || tr.Report.Packages["pkg"] == 0 {
		t.Errorf("report kinds %v packages %v, want %d bytes of %s for pkg", tr.Report.Kinds, tr.Report.Packages, wantBytes, unimportedKind)
	}
}
