package elfdeps

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// TrimOptions says what PlanTrim removes from dependency trees.
type TrimOptions struct {
	// Keep are paths relative to a site-packages or node_modules directory
	// ("pandas/tests", "lodash/README.md") that are never removed, nor the
	// files under them, nor a directory that contains one as a whole.
	Keep []string
	// SourceMaps keeps the *.js.map (and .mjs/.cjs/.css/.ts .map) files of
	// node_modules: the app runs node with --enable-source-maps, which
	// reads them to map stack traces.
	SourceMaps bool
}

// TrimReport says what PlanTrim removes: files and bytes in all, bytes per
// kind ("tests", "docs", "examples", "headers", "static-libs", "stubs", "sources",
// "typescript", "sourcemaps", and "stdlib-extensions" from PlanStdlib) and per package (the Python distribution's
// name, or the npm package's path under node_modules, "@scope/name"), and
// why candidate directories were kept (Kept, "pandas/foo/tests: imported by
// pandas/foo/x.py", at most maxKept entries, sorted).
type TrimReport struct {
	// Trees are the image paths of the trimmed trees, as given.
	Trees    []string         `json:"trees,omitempty"`
	Files    int              `json:"files"`
	Bytes    int64            `json:"bytes"`
	Kinds    map[string]int64 `json:"kinds,omitempty"`
	Packages map[string]int64 `json:"packages,omitempty"`
	Kept     []string         `json:"kept,omitempty"`
	// Stdlib are the standard library's extension modules nothing can
	// import and the shared libraries only they load, left out of the
	// image (PlanStdlib): kind "stdlib-extensions", package "stdlib".
	Stdlib []string `json:"stdlib,omitempty"`
}

// maxKept bounds TrimReport.Kept so the closure's JSON line stays short.
const maxKept = 40

// Trim is the result of PlanTrim: the image paths Copy leaves out of the
// trees (Dirs are left out with everything under them) and the report.
type Trim struct {
	Files  map[string]bool
	Dirs   map[string]bool
	Report TrimReport
}

// drops reports whether img (a file) is left out.
func (t *Trim) drops(img string) bool { return t != nil && t.Files[img] }

// dropsDir reports whether the directory img is left out whole.
func (t *Trim) dropsDir(img string) bool { return t != nil && t.Dirs[img] }

// PlanTrim decides what of the dependency trees under the image paths
// trees (a venv, an app directory with node_modules) never runs in
// production, reading root as data:
//
//   - in every site-packages (or dist-packages) directory, per installed
//     distribution (each *.dist-info: top_level.txt, else the first path
//     components of RECORD, PEP 376/627), inside the distribution's
//     top-level packages (never a top-level package itself): test packages
//     (directories named tests or test, with their __pycache__ bytecode)
//     and doc, docs, example and examples directories, except the modules
//     in them that a non-test module of the same distribution
//     (conftest.py files are pytest's, not modules) imports, with their
//     parent packages' __init__.py and bytecode (import statements
//     read from its .py files, relative imports resolved: `import
//     pandas.tests`, `from pandas.tests import x`, `from . import tests`;
//     imports built from strings at run time are not seen, which is what
//     [run] keep is for); C headers (*.h, *.hpp, *.hh), static libraries
//     (*.a), type stubs (*.pyi) and the C, C++ and Cython sources
//     extension modules are compiled from (*.c, *.cc, *.cpp, *.cxx, *.pyx,
//     *.pxd, *.pxi: kind "sources"), which the interpreter never reads,
//     and pytest's conftest.py files with their bytecode (kind "tests").
//     *.dist-info directories stay (importlib.metadata and scanners read
//     them), and so do files outside the distributions' packages; then
//     private extension modules whose name no file left mentions (kind
//     "unimported-extensions": numpy's test-suite C modules such as
//     numpy/_core/_simd; Trim.unimportedExtensions);
//   - in every node_modules, per package (a directory with package.json
//     directly in node_modules or in its @scope directory): test, tests,
//     __tests__, doc, docs, example and examples directories, unless one of
//     the package's other .js/.cjs/.mjs files names a relative path through
//     them in a string literal; TypeScript sources and declarations (*.ts,
//     *.mts, *.cts, *.tsx, *.d.ts), source maps unless o.SourceMaps, and
//     README, CHANGELOG, CHANGES and HISTORY files. A file that package.json's
//     "main", "bin" or "exports" (exact targets and "*" patterns) points at
//     is never removed, nor is a directory that holds one, nor a directory
//     its "files" list names (a readme or changelog named in "files" is no
//     sign of use: npm publishes those whatever "files" says).
//
// Everywhere, licence files (LICENSE, LICENCE, COPYING, NOTICE, AUTHORS and
// their variants) and package.json stay; a directory holding one, or a
// o.Keep path, loses its other files one by one and stays. Symlinks are
// never removed. The result depends only on the tree's contents.
func PlanTrim(root *Root, trees []string, o TrimOptions) (*Trim, error) {
	t := &Trim{Files: map[string]bool{}, Dirs: map[string]bool{},
		Report: TrimReport{Trees: append([]string{}, trees...), Kinds: map[string]int64{}, Packages: map[string]int64{}}}
	for _, tree := range trees {
		canon, _, err := root.Lookup(tree)
		if err != nil {
			return nil, err
		}
		err = filepath.WalkDir(root.HostPath(canon), func(hp string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			switch d.Name() {
			case "site-packages", "dist-packages":
				if err := t.python(root, imagePath(root, hp), o); err != nil {
					return err
				}
				return fs.SkipDir
			case "node_modules":
				if err := t.nodeModules(root, imagePath(root, hp), o); err != nil {
					return err
				}
				return fs.SkipDir
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(t.Report.Kept)
	if len(t.Report.Kept) > maxKept {
		t.Report.Kept = append(t.Report.Kept[:maxKept], "...")
	}
	return t, nil
}

func imagePath(root *Root, hp string) string {
	rel, _ := filepath.Rel(root.Dir(), hp)
	return path.Clean("/" + filepath.ToSlash(rel))
}

// licence matches the base names of licence files, which always stay.
var licence = regexp.MustCompile(`(?i)^(licen[cs]e|copying|notice|authors|unlicense|copyright)([._-].*)?$`)

// keptBy reports whether rel (relative to the site-packages or
// node_modules dir) is a Keep path, under one, or (dir) contains one.
func keptBy(keep []string, rel string, dir bool) bool {
	for _, k := range keep {
		k = strings.Trim(path.Clean(k), "/")
		if rel == k || strings.HasPrefix(rel, k+"/") || dir && strings.HasPrefix(k, rel+"/") {
			return true
		}
	}
	return false
}

// keptInside returns "<path>: [run] keep" for the keep paths strictly
// inside the directory rel (relative like them), which the removal of rel
// leaves in place.
func keptInside(keep []string, rel string) []string {
	var out []string
	for _, k := range keep {
		if k = strings.Trim(path.Clean(k), "/"); strings.HasPrefix(k, rel+"/") {
			out = append(out, k+": [run] keep")
		}
	}
	return out
}

// remove records the removal of the directory img: its files, and whole
// (Trim.Dirs) its outermost directories where nothing stays, so that a
// licence file, a symlink, a Keep path or a path protected says must stay
// keeps only itself and its parent directories.
func (t *Trim) remove(root *Root, img, base, kind, pkg string, o TrimOptions, protected func(rel string) bool) error {
	type file struct {
		img  string
		size int64
	}
	var files []file
	var dirs []string
	stays := map[string]bool{} // directories with something that stays
	err := filepath.WalkDir(root.HostPath(img), func(hp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		p := imagePath(root, hp)
		if d.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		rel := strings.TrimPrefix(p, base+"/")
		if !d.Type().IsRegular() || licence.MatchString(d.Name()) || keptBy(o.Keep, rel, false) || protected != nil && protected(p) {
			// a symlink, a licence, a kept or protected file stays, and
			// so do its directories
			for q := path.Dir(p); !stays[q] && q != "/" && q != path.Dir(img); q = path.Dir(q) {
				stays[q] = true
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, file{p, fi.Size()})
		return nil
	})
	if err != nil {
		return err
	}
	// the outermost directories where nothing stays go whole (no empty
	// directory is left behind)
	for _, d := range dirs {
		if !stays[d] && (d == img || stays[path.Dir(d)]) {
			t.Dirs[d] = true
		}
	}
	for _, f := range files {
		t.count(f.img, f.size, kind, pkg)
	}
	return nil
}

func (t *Trim) count(img string, size int64, kind, pkg string) {
	if t.Files[img] {
		return
	}
	t.Files[img] = true
	t.Report.Files++
	t.Report.Bytes += size
	t.Report.Kinds[kind] += size
	t.Report.Packages[pkg] += size
}

// ---- Python ----

// pyDirKinds are the directory names removed inside a distribution's
// packages, with their kind.
var pyDirKinds = map[string]string{"tests": "tests", "test": "tests", "doc": "docs", "docs": "docs", "example": "examples", "examples": "examples"}

// pyFileKinds are the file extensions removed inside a distribution's
// packages: nothing at run time reads them.
var pyFileKinds = map[string]string{".h": "headers", ".hpp": "headers", ".hh": "headers", ".a": "static-libs", ".pyi": "stubs",
	// compilers' inputs: the extension modules built from them are
	// what runs (Cython reads .pxd/.pxi only when compiling a cimport)
	".c": "sources", ".cc": "sources", ".cpp": "sources", ".cxx": "sources", ".pyx": "sources", ".pxd": "sources", ".pxi": "sources"}

// isConftest reports whether the image path img is a pytest conftest.py
// or its bytecode (__pycache__/conftest.<tag>.pyc, or conftest.pyc beside
// it): pytest loads these plugin files when it collects tests
// (https://docs.pytest.org/en/stable/reference/fixtures.html#conftest-py);
// nothing imports them in production.
func isConftest(img string) bool {
	dir, name := path.Split(img)
	return name == "conftest.py" || name == "conftest.pyc" ||
		path.Base(dir) == "__pycache__" && strings.HasPrefix(name, "conftest.") && strings.HasSuffix(name, ".pyc")
}

// python plans the trim of the site-packages directory sp.
func (t *Trim) python(root *Root, sp string, o TrimOptions) error {
	ents, err := os.ReadDir(root.HostPath(sp))
	if err != nil {
		return err
	}
	owner := map[string]string{} // top-level package dir -> distribution
	for _, e := range ents {
		if !e.IsDir() || !strings.HasSuffix(e.Name(), ".dist-info") {
			continue
		}
		dist := distName(e.Name())
		for _, top := range topLevel(root.HostPath(path.Join(sp, e.Name()))) {
			if fi, err := os.Stat(root.HostPath(path.Join(sp, top))); err == nil && fi.IsDir() {
				if _, dup := owner[top]; !dup {
					owner[top] = dist
				}
			}
		}
	}
	tops := make([]string, 0, len(owner))
	for top := range owner {
		tops = append(tops, top)
	}
	sort.Strings(tops)
	for _, top := range tops {
		if err := t.pyPackage(root, sp, top, owner[top], o); err != nil {
			return err
		}
	}
	return t.unimportedExtensions(root, sp, owner, o)
}

// distName is the distribution name of a "<name>-<version>.dist-info"
// directory (PEP 427 escapes '-' in the name as '_').
func distName(dir string) string {
	n := strings.TrimSuffix(dir, ".dist-info")
	if i := strings.Index(n, "-"); i > 0 {
		n = n[:i]
	}
	return n
}

// topLevel returns the top-level names a distribution installs: the lines
// of top_level.txt (setuptools), else the first path components of the
// RECORD entries (PEP 376/627: "path,hash,size" lines), without the
// metadata directories and parent-relative paths.
func topLevel(distInfo string) []string {
	if b, err := os.ReadFile(filepath.Join(distInfo, "top_level.txt")); err == nil {
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.ContainsAny(l, "/\\") {
				out = append(out, l)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	b, err := os.ReadFile(filepath.Join(distInfo, "RECORD"))
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		p := strings.TrimPrefix(strings.SplitN(l, ",", 2)[0], "\"")
		i := strings.Index(p, "/")
		if i <= 0 {
			continue
		}
		top := p[:i]
		if top == ".." || top == "__pycache__" || strings.HasSuffix(top, ".dist-info") || strings.HasSuffix(top, ".data") || seen[top] {
			continue
		}
		seen[top] = true
		out = append(out, top)
	}
	return out
}

// pyPackage plans the trim of the top-level package top of dist.
func (t *Trim) pyPackage(root *Root, sp, top, dist string, o TrimOptions) error {
	type cand struct{ img, kind string }
	var cands []cand
	var files []string // non-candidate .py files, for their imports
	type file struct {
		img  string
		size int64
		kind string
	}
	var loose []file
	err := filepath.WalkDir(root.HostPath(path.Join(sp, top)), func(hp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		img := imagePath(root, hp)
		if d.IsDir() {
			if k, ok := pyDirKinds[d.Name()]; ok && img != path.Join(sp, top) {
				cands = append(cands, cand{img, k})
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if strings.HasSuffix(d.Name(), ".py") && d.Name() != "conftest.py" {
			files = append(files, img)
		}
		k, ok := pyFileKinds[path.Ext(d.Name())]
		if isConftest(img) {
			k, ok = "tests", true
		}
		if ok {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			loose = append(loose, file{img, fi.Size(), k})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(cands) == 0 && len(loose) == 0 {
		return nil
	}
	// an import of a module under a candidate names the candidate's
	// directory ("tests" in `from .tests import x`, `import a.tests.b`,
	// `from . import (tests)`), so files without any of those names are
	// not parsed (most of a large package's files)
	names := map[string]bool{}
	for _, c := range cands {
		names[path.Base(c.img)] = true
	}
	imported := map[string]string{} // dotted module -> importing file
	for _, f := range files {
		if len(names) == 0 {
			break
		}
		b, err := os.ReadFile(root.HostPath(f))
		if err != nil {
			return err
		}
		mentions := false
		for n := range names {
			mentions = mentions || strings.Contains(string(b), n)
		}
		if !mentions {
			continue
		}
		rel := strings.TrimPrefix(f, sp+"/")
		for _, m := range pyImports(rel, string(b)) {
			if _, ok := imported[m]; !ok {
				imported[m] = rel
			}
		}
	}
	dirs := make([]string, 0, len(cands))
	for _, c := range cands {
		dirs = append(dirs, strings.ReplaceAll(strings.TrimPrefix(c.img, sp+"/"), "/", "."))
	}
	if err := importsOfKept(root, sp, dirs, imported); err != nil {
		return err
	}
	for _, c := range cands {
		rel := strings.TrimPrefix(c.img, sp+"/")
		dotted := strings.ReplaceAll(rel, "/", ".")
		keepMods := importedUnder(imported, dotted)
		for _, m := range keepMods {
			t.Report.Kept = append(t.Report.Kept, strings.ReplaceAll(m, ".", "/")+": imported by "+imported[m])
		}
		if keptBy(o.Keep, rel, false) {
			t.Report.Kept = append(t.Report.Kept, rel+": [run] keep")
			continue
		}
		// a Keep path inside: remove leaves it and its directory
		t.Report.Kept = append(t.Report.Kept, keptInside(o.Keep, rel)...)
		// every imported name under it counts (a submodule of a kept
		// package too), not only the report's shortest ones
		if err := t.remove(root, c.img, sp, c.kind, dist, o, moduleFiles(sp, allUnder(imported, dotted))); err != nil {
			return err
		}
	}
	for _, f := range loose {
		if rel := strings.TrimPrefix(f.img, sp+"/"); !keptBy(o.Keep, rel, false) {
			t.count(f.img, f.size, f.kind, dist)
		}
	}
	return nil
}

// importsOfKept adds to imported (dotted module -> importing file) what the
// modules it holds inside the candidate directories (dirs, dotted) import
// in turn, until nothing new comes: importing django.test.client runs
// django/test/__init__.py, which imports django.test.testcases and the rest,
// so a module kept because a non-test module imports it keeps what its own
// import needs. The files read are each module's m.py or m/__init__.py and
// its parent packages' __init__.py inside the candidates.
func importsOfKept(root *Root, sp string, dirs []string, imported map[string]string) error {
	inside := func(m string) bool {
		for _, d := range dirs {
			if m == d || strings.HasPrefix(m, d+".") {
				return true
			}
		}
		return false
	}
	var queue []string
	for m := range imported {
		if inside(m) {
			queue = append(queue, m)
		}
	}
	sort.Strings(queue)
	read := map[string]bool{}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		parts := strings.Split(m, ".")
		for i := 1; i <= len(parts); i++ {
			if !inside(strings.Join(parts[:i], ".")) {
				continue
			}
			p := strings.Join(parts[:i], "/")
			for _, rel := range []string{p + ".py", p + "/__init__.py"} {
				if read[rel] {
					continue
				}
				read[rel] = true
				b, err := os.ReadFile(root.HostPath(path.Join(sp, rel)))
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					return err
				}
				for _, imp := range pyImports(rel, string(b)) {
					if _, ok := imported[imp]; !ok {
						imported[imp] = rel
						if inside(imp) {
							queue = append(queue, imp)
						}
					}
				}
			}
		}
	}
	return nil
}

// allUnder returns the modules of imported (dotted name -> importing file)
// that are dotted or under it, sorted.
func allUnder(imported map[string]string, dotted string) []string {
	var out []string
	for m := range imported {
		if m == dotted || strings.HasPrefix(m, dotted+".") {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

// importedUnder returns the modules of imported (dotted name -> importing
// file) that are dotted or under it, sorted, without a name that is only an
// attribute of a module also listed (`from a.tests.m import f` lists
// a.tests.m and a.tests.m.f).
func importedUnder(imported map[string]string, dotted string) []string {
	out := allUnder(imported, dotted)
	var min []string
	for _, m := range out {
		if len(min) > 0 && strings.HasPrefix(m, min[len(min)-1]+".") {
			continue
		}
		min = append(min, m)
	}
	return min
}

// moduleFiles returns a protected func for Trim.remove: true for the image
// paths of the files that importing mods (dotted names, relative to the
// site-packages dir sp) reads: each module's m.py or m/__init__.py (a
// name that is neither is an attribute of its parent, whose files count),
// every parent package's __init__.py, and their bytecode: in __pycache__,
// or beside the source at the legacy location (m.pyc, compileall -b, which
// [run] sourceless leaves alone in the image).
func moduleFiles(sp string, mods []string) func(img string) bool {
	if len(mods) == 0 {
		return nil
	}
	keep := map[string]bool{} // module paths without extension, relative to sp
	for _, m := range mods {
		parts := strings.Split(m, ".")
		for i := 1; i <= len(parts); i++ {
			p := strings.Join(parts[:i], "/")
			keep[p+"/__init__"] = true
			keep[p] = true
		}
	}
	return func(img string) bool {
		rel := strings.TrimPrefix(img, sp+"/")
		dir, name := path.Split(rel)
		if path.Base(dir) == "__pycache__" { // name.cpython-313.pyc
			dir = path.Dir(path.Dir(dir)) + "/"
			if i := strings.Index(name, "."); i > 0 && strings.HasSuffix(name, ".pyc") {
				name = name[:i] + ".py"
			}
		} else if strings.HasSuffix(name, ".pyc") {
			name = strings.TrimSuffix(name, "c")
		}
		if !strings.HasSuffix(name, ".py") {
			return false
		}
		return keep[strings.TrimSuffix(dir+name, ".py")]
	}
}

var (
	pyImportRE = regexp.MustCompile(`(?m)^[ \t]*import[ \t]+([\w. \t,]+)`)
	pyFromRE   = regexp.MustCompile(`(?m)^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)`)
)

// pyCallRE matches importlib.import_module and __import__ calls with a
// literal name (relative names are left to the statements' resolution).
var pyCallRE = regexp.MustCompile(`\b(?:import_module|__import__)\(\s*['"]([\w.]+)['"]`)

// pyImports returns the dotted modules the Python source src (at rel, a
// path relative to site-packages) imports by statement: `import a.b` gives
// a.b, `from a import b` gives a and a.b, relative imports are resolved
// against rel's package; statements after `;` or a block's `:` on one
// line (`try: import a`) count too, and so do importlib.import_module("a")
// and __import__("a") calls with a literal name.
func pyImports(rel, src string) []string {
	var out []string
	if strings.Contains(src, "import_module(") || strings.Contains(src, "__import__(") {
		for _, m := range pyCallRE.FindAllStringSubmatch(src, -1) {
			out = append(out, m[1])
		}
	}
	src = importLines(src)
	for _, m := range pyImportRE.FindAllStringSubmatch(src, -1) {
		for _, part := range strings.Split(m[1], ",") {
			if f := strings.Fields(part); len(f) > 0 {
				out = append(out, f[0])
			}
		}
	}
	pkg := strings.Split(path.Dir(rel), "/")
	for _, m := range pyFromRE.FindAllStringSubmatch(src, -1) {
		mod := m[1]
		if dots := len(mod) - len(strings.TrimLeft(mod, ".")); dots > 0 {
			up := dots - 1
			if up > len(pkg) {
				continue
			}
			base := strings.Join(pkg[:len(pkg)-up], ".")
			if rest := mod[dots:]; rest != "" {
				mod = base + "." + rest
			} else {
				mod = base
			}
		}
		out = append(out, mod)
		names := strings.Trim(m[2], "() \t")
		for _, part := range strings.Split(names, ",") {
			if f := strings.Fields(part); len(f) > 0 && f[0] != "*" {
				out = append(out, mod+"."+f[0])
			}
		}
	}
	return out
}

// importLines returns the lines of src that start (after blanks) with
// "import" or "from", and the rest of a line from a statement that starts
// so after a `;` or `:`, each with the lines up to its closing parenthesis
// when it opens one: all the regular expressions of pyImports can match,
// in a fraction of the text (they are most of PlanTrim's time).
func importLines(src string) string {
	var b strings.Builder
	open := false
	for len(src) > 0 {
		line, rest, _ := strings.Cut(src, "\n")
		src = rest
		if open {
			b.WriteString(line)
			b.WriteByte('\n')
			open = !strings.Contains(line, ")")
			continue
		}
		// the line, and what follows each `;` or `:` on it: a statement
		// after another (`import a; import b`) or after a block's colon
		// (`try: import a`)
		for seg := line; ; {
			t := strings.TrimLeft(seg, " \t")
			if strings.HasPrefix(t, "import") || strings.HasPrefix(t, "from") {
				b.WriteString(seg)
				b.WriteByte('\n')
				if i := strings.Index(t, "("); i >= 0 && !strings.Contains(t[i:], ")") {
					open = true
					break
				}
			}
			i := strings.IndexAny(seg, ";:")
			if i < 0 {
				break
			}
			seg = seg[i+1:]
		}
	}
	return b.String()
}

// ---- Node ----

// nodeDirKinds are the directory names removed inside an npm package.
var nodeDirKinds = map[string]string{"test": "tests", "tests": "tests", "__tests__": "tests",
	"doc": "docs", "docs": "docs", "example": "examples", "examples": "examples"}

// nodeDocFile matches readme and changelog files.
var nodeDocFile = regexp.MustCompile(`(?i)^(readme|changelog|changes|history)([._-][\w.-]*)?(\.(md|markdown|txt|rst))?$`)

// nodeFileKind is the kind of an npm package's file that is removed, ""
// for one that stays.
func nodeFileKind(name string, o TrimOptions) string {
	switch {
	case name == "package.json" || licence.MatchString(name):
		return ""
	case strings.HasSuffix(name, ".ts") || strings.HasSuffix(name, ".mts") || strings.HasSuffix(name, ".cts") || strings.HasSuffix(name, ".tsx"):
		return "typescript"
	case !o.SourceMaps && (strings.HasSuffix(name, ".js.map") || strings.HasSuffix(name, ".mjs.map") || strings.HasSuffix(name, ".cjs.map") ||
		strings.HasSuffix(name, ".css.map") || strings.HasSuffix(name, ".ts.map")):
		return "sourcemaps"
	case nodeDocFile.MatchString(name):
		return "docs"
	}
	return ""
}

// nodeModules plans the trim of the packages of the node_modules dir nm
// (and, through them, of nested node_modules).
func (t *Trim) nodeModules(root *Root, nm string, o TrimOptions) error {
	ents, err := os.ReadDir(root.HostPath(nm))
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		p := path.Join(nm, e.Name())
		switch {
		case e.Name() == ".pnpm": // pnpm's store: <name@version>/node_modules/<name>
			stores, err := os.ReadDir(root.HostPath(p))
			if err != nil {
				return err
			}
			for _, s := range stores {
				if s.IsDir() {
					if err := t.nodeModules(root, path.Join(p, s.Name(), "node_modules"), o); err != nil && !os.IsNotExist(err) {
						return err
					}
				}
			}
		case strings.HasPrefix(e.Name(), "@"):
			scoped, err := os.ReadDir(root.HostPath(p))
			if err != nil {
				return err
			}
			for _, s := range scoped {
				if s.IsDir() {
					if err := t.nodePackage(root, nm, path.Join(p, s.Name()), o); err != nil {
						return err
					}
				}
			}
		case strings.HasPrefix(e.Name(), "."):
		default:
			if err := t.nodePackage(root, nm, p, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// nodeManifest is what trimming reads from an npm package.json.
type nodeManifest struct {
	Main    any `json:"main"`
	Bin     any `json:"bin"`
	Exports any `json:"exports"`
	Files   any `json:"files"`
}

// strings collects the string leaves of v (a package.json value).
func jsonStrings(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case []any:
		for _, e := range v {
			jsonStrings(e, out)
		}
	case map[string]any:
		for _, e := range v {
			jsonStrings(e, out)
		}
	}
}

// nodePackage plans the trim of the package directory pkg (under nm).
func (t *Trim) nodePackage(root *Root, nm, pkg string, o TrimOptions) error {
	b, err := os.ReadFile(root.HostPath(path.Join(pkg, "package.json")))
	if err != nil {
		return nil // not a package (or a broken one): left as is
	}
	name := strings.TrimPrefix(pkg, nm+"/")
	var m nodeManifest
	_ = json.Unmarshal(b, &m) // a bad manifest protects nothing extra and trims as usual
	// entry points: exact package-relative paths and "*" patterns
	var exact []string
	var patterns [][2]string
	var targets []string
	jsonStrings(m.Main, &targets)
	jsonStrings(m.Bin, &targets)
	jsonStrings(m.Exports, &targets)
	for _, s := range targets {
		s = strings.TrimPrefix(path.Clean(s), "./")
		if i := strings.Index(s, "*"); i >= 0 {
			patterns = append(patterns, [2]string{s[:i], strings.ReplaceAll(s[i+1:], "*", "")})
			continue
		}
		exact = append(exact, s, s+".js", s+".json", s+".node", s+"/index.js")
	}
	var listed []string // "files" entries, for directories
	var fl []string
	jsonStrings(m.Files, &fl)
	for _, s := range fl {
		listed = append(listed, strings.Trim(path.Clean(strings.TrimPrefix(s, "./")), "/"))
	}
	protected := func(img string) bool {
		rel := strings.TrimPrefix(img, pkg+"/")
		for _, e := range exact {
			if rel == e {
				return true
			}
		}
		for _, p := range patterns {
			if strings.HasPrefix(rel, p[0]) && strings.HasSuffix(rel, p[1]) {
				return true
			}
		}
		return false
	}
	type cand struct{ img, kind string }
	var cands []cand
	var js []string
	err = filepath.WalkDir(root.HostPath(pkg), func(hp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		img := imagePath(root, hp)
		if d.IsDir() {
			if img == pkg {
				return nil
			}
			if d.Name() == "node_modules" {
				if err := t.nodeModules(root, img, o); err != nil {
					return err
				}
				return fs.SkipDir
			}
			if k, ok := nodeDirKinds[d.Name()]; ok {
				cands = append(cands, cand{img, k})
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if ext := path.Ext(d.Name()); ext == ".js" || ext == ".cjs" || ext == ".mjs" {
			js = append(js, img)
		}
		if k := nodeFileKind(d.Name(), o); k != "" && !protected(img) && !keptBy(o.Keep, strings.TrimPrefix(img, nm+"/"), false) {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			t.count(img, fi.Size(), k, name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range cands {
		rel := strings.TrimPrefix(c.img, pkg+"/")
		nmRel := strings.TrimPrefix(c.img, nm+"/")
		if slicesContains(listed, rel) {
			t.Report.Kept = append(t.Report.Kept, nmRel+`: named by package.json "files"`)
			continue
		}
		if keptBy(o.Keep, nmRel, false) {
			t.Report.Kept = append(t.Report.Kept, nmRel+": [run] keep")
			continue
		}
		t.Report.Kept = append(t.Report.Kept, keptInside(o.Keep, nmRel)...)
		by, err := nodeReferrer(root, js, pkg, name, rel)
		if err != nil {
			return err
		}
		if by != "" {
			t.Report.Kept = append(t.Report.Kept, nmRel+": named by "+strings.TrimPrefix(by, nm+"/"))
			continue
		}
		if err := t.remove(root, c.img, nm, c.kind, name, o, protected); err != nil {
			return err
		}
	}
	return nil
}

func slicesContains(s []string, v string) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}

// quotedPath matches string literals that start like a module path:
// relative ("./", "../") or bare ("pkg/...").
var quotedPath = regexp.MustCompile("['\"`]([.@\\w][^'\"`\\s]*)['\"`]")

// nodeReferrer returns the first of the package's files js (sorted) whose
// string literals name a path through the directory rel of the package (a
// relative path with rel's last segment as a segment, or "<name>/<rel>"),
// "" when none does.
func nodeReferrer(root *Root, js []string, pkg, name, rel string) (string, error) {
	base := path.Base(rel)
	for _, f := range js {
		b, err := os.ReadFile(root.HostPath(f))
		if err != nil {
			return "", err
		}
		if !strings.Contains(string(b), base) {
			continue
		}
		for _, m := range quotedPath.FindAllStringSubmatch(string(b), -1) {
			s := m[1]
			switch {
			case strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../"):
				if seg := "/" + s + "/"; strings.Contains(seg, "/"+base+"/") {
					return f, nil
				}
			case s == name+"/"+rel || strings.HasPrefix(s, name+"/"+rel+"/"):
				return f, nil
			}
		}
	}
	return "", nil
}
