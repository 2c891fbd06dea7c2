package elfdeps

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// StdlibGraph is the standard library's import graph the scratch rootfs
// script writes (presets/python rootfsScript, import_graph): for every
// top-level name of the stdlib's Python sources (a module or a package),
// the top-level names its modules import, read with Python's ast; and the
// top-level names loaded once the interpreter has started (site, encodings,
// ...). An import list holding "*" (a module that did not parse) reaches
// everything.
type StdlibGraph struct {
	Tops    map[string][]string `json:"tops"`
	Startup []string            `json:"startup"`
}

// StdlibOptions says what PlanStdlib reads.
type StdlibOptions struct {
	// Graph is the image path of the StdlibGraph JSON.
	Graph string
	// Dynload is the image path of the stdlib's extension modules
	// (lib-dynload): each file's module is its name up to the first dot.
	Dynload string
	// Trees are image paths of dependency trees (the venv): every .py and
	// .pth file and every script whose #! line names python in them is read
	// for imports, and every ELF file for the stdlib names among its
	// strings.
	Trees []string
	// Sources are host directories read like Trees (the app's sources,
	// mounted from another stage).
	Sources []string
	// Roots are more modules (dotted names) that stay reachable: the
	// entrypoint's `-m` module, [run] keep entries.
	Roots []string
}

// StdlibPlan is PlanStdlib's result.
type StdlibPlan struct {
	// Kept and Dropped are the image paths of the lib-dynload files that
	// stay and those nothing can import, sorted.
	Kept, Dropped []string
	// Why maps each reached extension module to what reaches it (a file,
	// "startup", "interpreter", "[run] keep", or the module importing it).
	Why map[string]string
	// Everything is set, with the reason, when all modules stay (a stdlib
	// module that did not parse, a compressed Cython string table).
	Everything string
}

// interpreterImports are the stdlib modules the interpreter's C code
// imports by name at run time, whatever the Python code does: the literal
// names passed to PyImport_ImportModule, PyImport_ImportModuleLevel,
// _PyImport_GetModuleAttrString, PyCapsule_Import and
// PyImport_Import(&_Py_ID(...)) in CPython 3.11.2's and 3.14.7's Python/,
// Objects/, Modules/ and Parser/ (for example int -> str of huge numbers
// imports _pylong, which imports decimal; time.strptime imports _strptime;
// memoryview.cast imports struct; the REPL imports _pyrepl), minus those
// only extension modules in lib-dynload import (their strings are read when
// they are reached) and other platforms' (winreg, _android_support,
// _apple_support). A stdlib_module_names table in the interpreter holds
// every stdlib name, so the interpreter's own strings cannot be read
// instead.
var interpreterImports = []string{
	"_compat_pickle", "_datetime", "_elementtree", "_io", "_pydecimal", "_pylong", "_pyrepl", "_signal", "_socket", "_strptime",
	"ast", "builtins", "codecs", "collections", "copy", "copyreg", "csv", "encodings", "faulthandler", "functools", "importlib",
	"io", "json", "numbers", "pickle", "posix", "pyexpat", "re", "rlcompleter", "runpy", "site", "string", "struct", "sys",
	"threading", "time", "tracemalloc", "types", "typing", "unicodedata", "warnings", "weakref", "xml", "zipimport",
}

// PlanStdlib decides which of the standard library's extension modules
// (files in o.Dynload) the image can import, reading root as data. The
// roots are every module imported by the Python files of o.Trees and
// o.Sources (pyImports: import and from-import statements wherever they
// are, importlib.import_module and __import__ calls with a literal name),
// every quoted string in them that names a stdlib module (a module named
// in a setting, resolved at run time), the stdlib names among the strings
// of their ELF files (C and Cython code imports with
// PyImport_ImportModule("decimal")), the modules the interpreter has loaded
// after startup (the graph's Startup), interpreterImports and o.Roots.
// From the roots the graph's imports are followed by top-level name (a
// package's modules are reached together), and a reached extension
// module's own strings reach further. Extension modules not reached are
// Dropped. Errors: the graph cannot be read or parsed, or a tree, source
// directory or lib-dynload cannot be read.
func PlanStdlib(root *Root, o StdlibOptions) (*StdlibPlan, error) {
	canon, _, err := root.Lookup(o.Graph)
	if err != nil {
		return nil, fmt.Errorf("stdlib graph: %w", err)
	}
	b, err := os.ReadFile(root.HostPath(canon))
	if err != nil {
		return nil, fmt.Errorf("stdlib graph: %w", err)
	}
	var g StdlibGraph
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("stdlib graph %s: %w", o.Graph, err)
	}
	dyn, _, err := root.Lookup(o.Dynload)
	if err != nil {
		return nil, fmt.Errorf("stdlib extension modules: %w", err)
	}
	ents, err := os.ReadDir(root.HostPath(dyn))
	if err != nil {
		return nil, fmt.Errorf("stdlib extension modules: %w", err)
	}
	exts := map[string][]string{} // module -> image paths
	for _, e := range ents {
		if e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0 {
			mod, _, _ := strings.Cut(e.Name(), ".")
			exts[mod] = append(exts[mod], path.Join(dyn, e.Name()))
		}
	}
	r := &reach{graph: g.Tops, exts: exts, why: map[string]string{}}
	for n := range g.Tops {
		r.longest = max(r.longest, len(n))
	}
	for n := range exts {
		r.longest = max(r.longest, len(n))
	}
	for _, m := range g.Startup {
		r.add(m, "startup")
	}
	for _, m := range interpreterImports {
		r.add(m, "interpreter")
	}
	for _, m := range o.Roots {
		r.add(m, "the entrypoint, [env] or [run] keep")
	}
	for _, t := range o.Trees {
		c, _, err := root.Lookup(t)
		if err != nil {
			return nil, err
		}
		if err := r.scanDir(root.HostPath(c), c); err != nil {
			return nil, err
		}
	}
	for _, s := range o.Sources {
		if err := r.scanDir(s, s); err != nil {
			return nil, err
		}
	}
	if err := r.walk(root); err != nil {
		return nil, err
	}
	p := &StdlibPlan{Why: map[string]string{}, Everything: r.everything}
	for mod, files := range exts {
		if _, ok := r.why[mod]; ok || p.Everything != "" {
			p.Kept = append(p.Kept, files...)
			if w, ok := r.why[mod]; ok {
				p.Why[mod] = w
			}
			continue
		}
		p.Dropped = append(p.Dropped, files...)
	}
	sort.Strings(p.Kept)
	sort.Strings(p.Dropped)
	return p, nil
}

// reach is PlanStdlib's state: the reached top-level names with what
// reached them, and those still to follow.
type reach struct {
	graph      map[string][]string
	exts       map[string][]string
	trie       []trieNode // the stdlib names, for scanBytes
	longest    int        // the longest stdlib name, for scanCStrings
	why        map[string]string
	work       []string
	everything string
}

// known reports whether top is a stdlib name: a top of the graph or an
// extension module of lib-dynload.
func (r *reach) known(top string) bool {
	_, a := r.graph[top]
	_, b := r.exts[top]
	return a || b
}

// add marks the top-level name of the dotted module m reached by why.
func (r *reach) add(m, why string) {
	top, _, _ := strings.Cut(m, ".")
	if _, ok := r.why[top]; ok || !r.known(top) {
		return
	}
	r.why[top] = why
	r.work = append(r.work, top)
}

// walk follows the graph and the reached extension modules' strings.
func (r *reach) walk(root *Root) error {
	for len(r.work) > 0 {
		t := r.work[len(r.work)-1]
		r.work = r.work[:len(r.work)-1]
		for _, n := range r.graph[t] {
			if n == "*" {
				r.everything = "the stdlib module " + t + " could not be read for its imports"
				continue
			}
			r.add(n, t)
		}
		for _, f := range r.exts[t] {
			if err := r.scanELF(root.HostPath(f), t); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanDir reads the files under the host directory dir (shown as img):
// Python and Cython sources (.py, .pyx), .pth files and Python scripts
// for their imports and quoted module names, bytecode without its source
// and ELF files for the names in them. Symlinks are not followed.
func (r *reach) scanDir(dir, img string) error {
	return filepath.WalkDir(dir, func(hp string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, hp)
		shown := path.Join(img, filepath.ToSlash(rel))
		name := d.Name()
		isPy := strings.HasSuffix(name, ".py") || strings.HasSuffix(name, ".pth") || strings.HasSuffix(name, ".pyx")
		pyc := strings.HasSuffix(name, ".pyc") && !sourceExists(hp)
		if !isPy && !pyc && strings.Contains(name, ".") && !strings.Contains(name, ".so") {
			return nil // data files and bytecode of sources read here
		}
		b, err := os.ReadFile(hp)
		if err != nil {
			return err
		}
		switch {
		case bytes.HasPrefix(b, []byte("\x7fELF")):
			return r.scanELF(hp, shown)
		case pyc: // bytecode without its source: the names in its code objects
			r.scanBytes(b, shown+" (bytecode)")
		case isPy || bytes.HasPrefix(b, []byte("#!")) && bytes.Contains(firstLine(b), []byte("python")):
			r.scanPython(filepath.ToSlash(rel), string(b), shown)
		}
		return nil
	})
}

// sourceExists reports whether the bytecode file at the host path hp has
// its source: X.py beside X.pyc (compileall -b), or beside the __pycache__
// directory of X.<tag>.pyc (PEP 3147).
func sourceExists(hp string) bool {
	dir, name := filepath.Split(hp)
	mod, _, _ := strings.Cut(name, ".")
	if filepath.Base(dir) == "__pycache__" {
		dir = filepath.Dir(filepath.Dir(dir))
	}
	_, err := os.Stat(filepath.Join(dir, mod+".py"))
	return err == nil
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// quotedModule matches quoted strings that could name a module or an
// attribute of one ("sqlite3", 'logging.handlers.RotatingFileHandler').
var quotedModule = regexp.MustCompile(`['"]([A-Za-z_][\w.]*)['"]`)

// scanPython adds the imports of the Python source src (at rel, relative
// to the scanned directory) and the stdlib modules its quoted strings
// name.
func (r *reach) scanPython(rel, src, shown string) {
	for _, m := range pyImports(rel, src) {
		r.add(m, shown)
	}
	for _, m := range quotedModule.FindAllStringSubmatch(src, -1) {
		r.add(m[1], shown+" (a quoted name)")
	}
}

// cythonABI matches the ABI module name Cython 3.1 and later compile into
// a module; those can store their string constants compressed
// (CYTHON_COMPRESS_STRINGS), unpacked at import with zlib, bz2,
// compression.zstd or Cython's own LZSS (__Pyx_DecompressString_LZSS,
// whose back-references break names up), so their imports are not
// readable as strings.
var cythonABI = regexp.MustCompile(`_cython_(3_([1-9]|\d\d)|[4-9])`)

// scanELF adds the stdlib names found in the non-executable sections of
// the ELF file at the host path hp: in C strings (scanCStrings), and for
// Rust and Go code, whose strings are stored without terminators one after
// the other, anywhere (scanBytes). A Cython 3.1+ module that may hold
// compressed strings (its ABI name and "decompress" among them) reaches
// everything, unless the source it was compiled from is beside it
// (hasSource): then that source's imports are the module's.
func (r *reach) scanELF(hp, shown string) error {
	f, err := elf.Open(hp)
	if err != nil {
		return nil // not an ELF object the loader would map either
	}
	defer f.Close()
	var datas [][]byte
	unterminated := f.Section(".go.buildinfo") != nil
	cython, compress := false, false
	for _, s := range f.Sections {
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", shown, s.Name, err)
		}
		datas = append(datas, data)
		unterminated = unterminated || bytes.Contains(data, []byte("/rustc/")) || bytes.Contains(data, []byte("rust_panic"))
		cython = cython || cythonABI.Match(data)
		compress = compress || bytes.Contains(data, []byte("decompress"))
	}
	for _, data := range datas {
		if unterminated {
			r.scanBytes(data, shown+" (a string)")
		} else {
			r.scanCStrings(data, shown+" (a string)")
		}
	}
	if cython && compress && r.everything == "" && !hasSource(hp) {
		r.everything = shown + " is a Cython 3.1+ module that may store its strings compressed, without its source beside it"
	}
	return nil
}

// scanCStrings adds the stdlib names among the C strings in data: in each
// run of identifier characters and dots, every suffix that starts with a
// name (up to a dot or the run's end): linkers merge a string into the
// tail of a longer one ("ssl" in "openssl"), and a dotted name
// ("xml.etree.ElementTree") names its top-level module. Binary data
// between strings (codec tables) rarely forms such a run.
func (r *reach) scanCStrings(data []byte, shown string) {
	for i := 0; i < len(data); {
		if !isIdentOrDot(data[i]) {
			i++
			continue
		}
		j := i
		for j < len(data) && isIdentOrDot(data[j]) {
			j++
		}
		end := j
		for k := j - 1; k >= i; k-- {
			if data[k] == '.' {
				end = k
				continue
			}
			if end-k <= r.longest && r.isName(data[k:end]) {
				r.add(string(data[k:end]), shown)
			}
		}
		i = j
	}
}

// isName reports whether b is a stdlib top-level name (reach.known).
func (r *reach) isName(b []byte) bool {
	if _, ok := r.graph[string(b)]; ok {
		return true
	}
	_, ok := r.exts[string(b)]
	return ok
}

func isIdentOrDot(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// hasSource reports whether the extension module at the host path hp
// (X.<tag>.so) has the source it was compiled from beside it (X.py, which
// Cython's pure-Python mode and mypyc wheels ship, or X.pyx), whose imports
// scanDir reads.
func hasSource(hp string) bool {
	dir, name := filepath.Split(hp)
	mod, _, _ := strings.Cut(name, ".")
	for _, ext := range []string{".py", ".pyx"} {
		if fi, err := os.Stat(filepath.Join(dir, mod+ext)); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// scanBytes adds every stdlib name that occurs anywhere in data, whatever
// surrounds it: C strings end with a NUL, but linkers merge a string into
// the tail of a longer one ("ssl" in "openssl"), Rust stores its strings
// back to back, and marshalled bytecode prefixes them with their length.
// The names are matched with a trie of all of them (r.trie), so the cost is
// a few steps per byte.
func (r *reach) scanBytes(data []byte, shown string) {
	if r.trie == nil {
		r.trie = []trieNode{{}}
		var names []string
		for n := range r.graph {
			names = append(names, n)
		}
		for n := range r.exts {
			names = append(names, n)
		}
		for _, n := range names {
			cur := int32(0)
			for i := 0; i < len(n); i++ {
				c := n[i] & 0x7f
				if r.trie[cur].next[c] == 0 {
					r.trie = append(r.trie, trieNode{})
					r.trie[cur].next[c] = int32(len(r.trie) - 1)
				}
				cur = r.trie[cur].next[c]
			}
			r.trie[cur].name = n
		}
	}
	t := r.trie
	for i := range data {
		for j, cur := i, int32(0); j < len(data) && data[j] < 0x80; j++ {
			if cur = t[cur].next[data[j]]; cur == 0 {
				break
			}
			if n := &t[cur]; n.name != "" && !n.done {
				n.done = true
				r.add(n.name, shown)
			}
		}
	}
}

// trieNode is a node of reach.trie: the next node per ASCII byte (0: none),
// and the stdlib name that ends here, once added.
type trieNode struct {
	next [128]int32
	name string
	done bool
}

// CopyStdlib copies the lib-dynload files kept (image paths in root, all in
// the directory dynload) into the host directory out under the image
// directory dest, which the image has in place of dynload: symlinks
// recreated, regular files with mode 0755 or 0644 as Copy writes them,
// modification times those of the sources; the directories it creates get
// their source's time (dest's: dynload's), and the deepest directory of out
// it adds an entry to keeps its time, so equal inputs give equal trees. It
// returns the files and bytes written, or the first error.
func CopyStdlib(root *Root, kept []string, dynload, dest, out string) (int, int64, error) {
	dyn, _, err := root.Lookup(dynload)
	if err != nil {
		return 0, 0, err
	}
	dst := filepath.Join(out, filepath.FromSlash(dest))
	var created []string
	parent := dst
	for {
		if _, err := os.Lstat(parent); err == nil {
			break
		}
		created = append(created, parent)
		parent = filepath.Dir(parent)
	}
	pfi, err := os.Stat(parent)
	if err != nil {
		return 0, 0, err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, 0, err
	}
	n, nb := 0, int64(0)
	for _, k := range kept {
		hp := root.HostPath(path.Join(dyn, path.Base(k)))
		to := filepath.Join(dst, path.Base(k))
		fi, err := os.Lstat(hp)
		if err != nil {
			return n, nb, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			t, err := os.Readlink(hp)
			if err != nil {
				return n, nb, err
			}
			if err := os.Symlink(t, to); err != nil {
				return n, nb, err
			}
			continue
		}
		b, err := os.ReadFile(hp)
		if err != nil {
			return n, nb, err
		}
		mode := fs.FileMode(0o644)
		if fi.Mode()&0o111 != 0 {
			mode = 0o755
		}
		if err := os.WriteFile(to, b, mode); err != nil {
			return n, nb, err
		}
		if err := os.Chmod(to, mode); err != nil {
			return n, nb, err
		}
		if err := os.Chtimes(to, fi.ModTime(), fi.ModTime()); err != nil {
			return n, nb, err
		}
		n++
		nb += fi.Size()
	}
	dfi, err := os.Stat(root.HostPath(dyn))
	if err != nil {
		return n, nb, err
	}
	for _, d := range append([]string{dst}, created...) { // deepest first
		if err := os.Chmod(d, 0o755); err != nil {
			return n, nb, err
		}
		if err := os.Chtimes(d, dfi.ModTime(), dfi.ModTime()); err != nil {
			return n, nb, err
		}
	}
	return n, nb, os.Chtimes(parent, pfi.ModTime(), pfi.ModTime())
}

// AllStdlib is the StdlibPlan that keeps every file of the lib-dynload
// directory dynload (trimming off).
func AllStdlib(root *Root, dynload string) (*StdlibPlan, error) {
	dyn, _, err := root.Lookup(dynload)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(root.HostPath(dyn))
	if err != nil {
		return nil, err
	}
	p := &StdlibPlan{Why: map[string]string{}, Everything: "trimming is off"}
	for _, e := range ents {
		if e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0 {
			p.Kept = append(p.Kept, path.Join(dyn, e.Name()))
		}
	}
	return p, nil
}
