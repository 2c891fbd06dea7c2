package elfdeps

import (
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// rodataELF is a little-endian 64-bit ELF object whose only section is an
// allocated, non-executable PROGBITS one holding strs, each NUL-terminated
// (what a compiler puts in .rodata).
func rodataELF(strs ...string) []byte {
	le := binary.LittleEndian
	var data []byte
	for _, s := range strs {
		data = append(append(data, s...), 0)
	}
	shOff := uint64(64 + len(data))
	buf := make([]byte, shOff+2*64)
	copy(buf, elf.ELFMAG)
	buf[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	buf[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	buf[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	le.PutUint16(buf[16:], uint16(elf.ET_DYN))
	le.PutUint16(buf[18:], uint16(elf.EM_X86_64))
	le.PutUint32(buf[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(buf[40:], shOff)
	le.PutUint16(buf[52:], 64)
	le.PutUint16(buf[58:], 64)
	le.PutUint16(buf[60:], 2)
	copy(buf[64:], data)
	sh := buf[shOff+64:]
	le.PutUint32(sh[4:], uint32(elf.SHT_PROGBITS))
	le.PutUint64(sh[8:], uint64(elf.SHF_ALLOC))
	le.PutUint64(sh[24:], 64)
	le.PutUint64(sh[32:], uint64(len(data)))
	return buf
}

const dynload = "/rootfs/usr/lib/python3.13/lib-dynload"

// stdlibRoot lays out a root with lib-dynload (one file per module in mods,
// each an ELF with the strings in extStrings), the graph, and files
// (image path -> content).
func stdlibRoot(t *testing.T, g StdlibGraph, mods []string, extStrings map[string][]string, files map[string]string) *Root {
	t.Helper()
	dir := t.TempDir()
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	put(t, dir, "/slimfront/stdlib-imports.json", b, 0o644)
	for _, m := range mods {
		put(t, dir, path.Join(dynload, m+".cpython-313-x86_64-linux-gnu.so"), rodataELF(extStrings[m]...), 0o644)
	}
	for p, c := range files {
		put(t, dir, p, []byte(c), 0o644)
	}
	return mustRoot(t, dir)
}

// dropped returns the modules of p.Dropped.
func dropped(p *StdlibPlan) []string {
	var out []string
	for _, f := range p.Dropped {
		m, _, _ := strings.Cut(path.Base(f), ".")
		out = append(out, m)
	}
	return out
}

var testGraph = StdlibGraph{
	Tops: map[string][]string{
		"os": {"posix"}, "site": {"os"}, "encodings": {"codecs"}, "codecs": {},
		"shelve": {"dbm", "pickle"}, "dbm": {"sqlite3", "os"}, "sqlite3": {"_sqlite3"},
		"decimal": {"_decimal"}, "xml": {"pyexpat", "os"}, "asyncio": {"_asyncio", "os"},
		"concurrent": {"_interpreters"}, "zoneinfo": {"_zoneinfo"}, "logging": {"os"},
		"queue": {"_queue"}, "uuid": {"_uuid"}, "_pydecimal": {}, "pickle": {},
	},
	Startup: []string{"site", "encodings", "os", "posix", "__main__"},
}

var testMods = []string{"_sqlite3", "_decimal", "_asyncio", "_interpreters", "_zoneinfo", "_queue", "_uuid", "_ssl"}

func TestPlanStdlibFollowsImportsWhereverTheyAre(t *testing.T) {
	root := stdlibRoot(t, testGraph, testMods, nil, map[string]string{
		"/opt/venv/lib/python3.13/site-packages/lib/a.py": "def f():\n    import shelve  # reaches dbm, whose package reaches sqlite3\n",
		"/opt/venv/lib/python3.13/site-packages/lib/b.py": "try: import asyncio\nexcept ImportError: pass\nx = 1; from xml.sax import saxutils\n",
		"/opt/venv/lib/python3.13/site-packages/lib/c.py": "import importlib\nm = importlib.import_module(\"zoneinfo\")\n",
		"/opt/venv/bin/tool":                              "#!/opt/venv/bin/python\nfrom queue import Queue\n",
		"/opt/venv/lib/python3.13/site-packages/x.pth":    "import os; __import__('uuid')\n",
	})
	p, err := PlanStdlib(root, StdlibOptions{Graph: "/slimfront/stdlib-imports.json", Dynload: dynload, Trees: []string{"/opt/venv"}})
	if err != nil {
		t.Fatal(err)
	}
	// _decimal: the interpreter imports _pylong (huge int -> str), whose
	// decimal import is in the real graph; here nothing reaches decimal
	if got, want := dropped(p), []string{"_decimal", "_interpreters", "_ssl"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dropped %v, want %v (kept %v, why %v)", got, want, p.Kept, p.Why)
	}
	if p.Why["_sqlite3"] != "sqlite3" || p.Why["_asyncio"] != "asyncio" {
		t.Errorf("why: %v", p.Why)
	}
	if p.Everything != "" {
		t.Errorf("everything: %s", p.Everything)
	}
}

func TestPlanStdlibSourcesRootsAndQuotedNames(t *testing.T) {
	dir := t.TempDir()
	put(t, dir, "/settings.py", []byte("DATABASES = {'default': {'ENGINE': 'x.backends.sqlite3'}}\nSTORE = \"decimal.Decimal\"\n"), 0o644)
	root := stdlibRoot(t, testGraph, testMods, nil, nil)
	p, err := PlanStdlib(root, StdlibOptions{Graph: "/slimfront/stdlib-imports.json", Dynload: dynload, Sources: []string{dir}, Roots: []string{"uuid", "concurrent.futures"}})
	if err != nil {
		t.Fatal(err)
	}
	// "decimal.Decimal" names decimal; "x.backends.sqlite3" names x (not
	// stdlib) and its tail sqlite3 is not a quoted name of its own
	if got, want := dropped(p), []string{"_asyncio", "_queue", "_sqlite3", "_ssl", "_zoneinfo"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dropped %v, want %v (why %v)", got, want, p.Why)
	}
}

func TestPlanStdlibReadsELFStrings(t *testing.T) {
	root := stdlibRoot(t, testGraph, testMods,
		map[string][]string{"_asyncio": {"PyInit__asyncio", "queue"}}, // a reached extension's strings reach further
		map[string]string{})
	put(t, root.Dir(), "/opt/venv/lib/python3.13/site-packages/fast.cpython-313-x86_64-linux-gnu.so",
		rodataELF("numpy", "asyncio", "x_decimal" /* "decimal" merged into a longer string's tail */, "\x01Qdbmx\x02" /* binary data: a name inside a run is no string */), 0o755)
	// Rust stores its strings back to back, without terminators
	put(t, root.Dir(), "/opt/venv/lib/python3.13/site-packages/rs.abi3.so", rodataELF("/rustc/90b35a62/library/core/src/fmt.rs", "validatezoneinfoZoneInfokey"), 0o755)
	p, err := PlanStdlib(root, StdlibOptions{Graph: "/slimfront/stdlib-imports.json", Dynload: dynload, Trees: []string{"/opt/venv"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dropped(p), []string{"_interpreters", "_sqlite3", "_ssl", "_uuid"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dropped %v, want %v (why %v)", got, want, p.Why)
	}
	if p.Why["_queue"] != "queue" || !strings.Contains(p.Why["_decimal"], "fast.cpython-313") {
		t.Errorf("why: %v", p.Why)
	}
}

func TestPlanStdlibKeepsEverythingWhenUnsure(t *testing.T) {
	g := StdlibGraph{Tops: map[string][]string{"os": {"*"}}, Startup: []string{"os"}}
	root := stdlibRoot(t, g, testMods, nil, nil)
	p, err := PlanStdlib(root, StdlibOptions{Graph: "/slimfront/stdlib-imports.json", Dynload: dynload})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Dropped) != 0 || len(p.Kept) != len(testMods) || !strings.Contains(p.Everything, "os") {
		t.Errorf("a module that did not parse: dropped %v, everything %q", p.Dropped, p.Everything)
	}
	// a Cython 3.1+ module that decompresses its strings
	root = stdlibRoot(t, testGraph, testMods, nil, nil)
	put(t, root.Dir(), "/opt/venv/lib/python3.13/site-packages/cy.cpython-313-x86_64-linux-gnu.so", rodataELF("_cython_3_1_2", "zlib", "decompress"), 0o755)
	p, err = PlanStdlib(root, StdlibOptions{Graph: "/slimfront/stdlib-imports.json", Dynload: dynload, Trees: []string{"/opt/venv"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Dropped) != 0 || !strings.Contains(p.Everything, "Cython") {
		t.Errorf("compressed Cython strings: dropped %v, everything %q", p.Dropped, p.Everything)
	}
	// ... unless its source is beside it (Cython's pure-Python mode,
	// charset-normalizer's cd.py beside cd.<tag>.so): the source's imports
	put(t, root.Dir(), "/opt/venv/lib/python3.13/site-packages/cy.py", []byte("import asyncio\n"), 0o644)
	p, err = PlanStdlib(root, StdlibOptions{Graph: "/slimfront/stdlib-imports.json", Dynload: dynload, Trees: []string{"/opt/venv"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Everything != "" || slices.Contains(dropped(p), "_asyncio") || !slices.Contains(dropped(p), "_sqlite3") {
		t.Errorf("compressed Cython strings with the source beside: dropped %v, everything %q", dropped(p), p.Everything)
	}
}

func TestPlanStdlibReadsBytecodeWithoutSource(t *testing.T) {
	root := stdlibRoot(t, testGraph, testMods, nil, map[string]string{
		"/opt/venv/lib/python3.13/site-packages/onlypyc/mod.pyc":                         "\x00\x00\xe3zsqlite3\xda",
		"/opt/venv/lib/python3.13/site-packages/withsrc/mod.py":                          "x = 1\n",
		"/opt/venv/lib/python3.13/site-packages/withsrc/__pycache__/mod.cpython-313.pyc": "\x00asyncio\x00",
	})
	p, err := PlanStdlib(root, StdlibOptions{Graph: "/slimfront/stdlib-imports.json", Dynload: dynload, Trees: []string{"/opt/venv"}})
	if err != nil {
		t.Fatal(err)
	}
	d := dropped(p)
	if slices.Contains(d, "_sqlite3") || !slices.Contains(d, "_asyncio") {
		t.Errorf("dropped %v: want _sqlite3 kept (bytecode without source), _asyncio dropped (bytecode of a read source)", d)
	}
}

func TestPyImportsCompoundStatementsAndCalls(t *testing.T) {
	src := "import os; import sys\ntry: import ssl\nexcept ImportError: ssl = None\nif x: from a.b import c\nm = __import__('zoneinfo')\nimportlib.import_module(\"uuid\")\n"
	got := pyImports("pkg/m.py", src)
	for _, w := range []string{"os", "sys", "ssl", "a.b", "a.b.c", "zoneinfo", "uuid"} {
		if !slices.Contains(got, w) {
			t.Errorf("pyImports lacks %s: %v", w, got)
		}
	}
}
