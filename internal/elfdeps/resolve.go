package elfdeps

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// DefaultDependencyDirs are the directory names that make a dependency tree:
// an ELF file with any of them as a path component belongs to a package
// manager's tree (npm's node_modules, pip's site-packages, Debian Python's
// dist-packages), where prebuilds for other platforms are normal.
var DefaultDependencyDirs = []string{"node_modules", "site-packages", "dist-packages"}

// Options says what the loader of the image is.
type Options struct {
	// Platform is the target; see ParsePlatform.
	Platform Platform
	// Libc is the target's C library. Empty: detected from the root (the
	// glibc loader of the platform present means Glibc, else
	// /lib/ld-musl-<arch>.so.1 present means Musl, else Glibc).
	Libc Libc
	// DependencyDirs overrides DefaultDependencyDirs when non-nil.
	DependencyDirs []string
}

// Foreign is an ELF file inside a dependency tree that the target cannot
// load (another machine, class or byte order, or another C library). Nothing
// in the image loads it, so it can be left out.
type Foreign struct {
	Path   string // canonical image path
	Size   int64  // bytes
	Reason string // e.g. "aarch64 64-bit, target is x86-64" or "musl, target is glibc"
}

// Missing is one library (or loader) an object needs that does not resolve
// inside the root.
type Missing struct {
	File   string // canonical image path of the object that needs it
	Needed string // the DT_NEEDED name, or the PT_INTERP path when Interp
	Interp bool   // the missing thing is the program's loader
}

// Mismatch is an ELF file outside dependency trees (or named as an entry)
// that the target cannot load: the wrong architecture is an error there.
type Mismatch struct {
	Path   string
	Reason string
}

// Closure is what Resolve found.
type Closure struct {
	Platform Platform
	Libc     Libc
	// Objects are the canonical image paths of the target's ELF objects
	// found at or under the entries, sorted.
	Objects []string
	// Files are the canonical image paths of the libraries and loaders
	// those objects load, sorted; Bytes is their total size.
	Files []string
	Bytes int64
	// Links are the symlinks through which the loader reaches Files (a
	// soname link such as /usr/lib/x86_64-linux-gnu/libssl.so.3, a
	// directory link such as /lib64 -> usr/lib64), sorted by path; a copy
	// recreates them so every file keeps the path the loader opens.
	Links []Link
	// Foreign are the foreign prebuilds in dependency trees, sorted.
	Foreign []Foreign
}

// ForeignBytes is the total size of c.Foreign.
func (c *Closure) ForeignBytes() int64 {
	var n int64
	for _, f := range c.Foreign {
		n += f.Size
	}
	return n
}

// Error is an image that will not start: libraries that do not resolve and
// objects for the wrong architecture or C library.
type Error struct {
	Platform  Platform
	Missing   []Missing
	WrongArch []Mismatch
}

func (e *Error) Error() string {
	var b strings.Builder
	for _, w := range e.WrongArch {
		fmt.Fprintf(&b, "%s: wrong architecture for %s: %s\n", w.Path, e.Platform, w.Reason)
	}
	for _, m := range e.Missing {
		what := "library"
		if m.Interp {
			what = "loader (PT_INTERP)"
		}
		fmt.Fprintf(&b, "%s: needs %s %s, which does not resolve inside the image\n", m.File, what, m.Needed)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Resolve computes the library closure of entries (image paths of files or
// directories inside root; directories are walked without following
// symlinks) for opts.Platform, reading files only.
//
// Every loadable ELF object found is resolved as a program of its own:
// PT_INTERP, then DT_NEEDED breadth-first in glibc's order (ld.so(8)):
// DT_RPATH of the object and of the objects that loaded it up to the entry,
// only when the object has no DT_RUNPATH; LD_LIBRARY_PATH (never set here);
// DT_RUNPATH; the directories of /etc/ld.so.conf and its includes (the
// portable stand-in for /etc/ld.so.cache, which ldconfig builds from
// them); the platform's DefaultDirs, unless -z nodefaultlib. $ORIGIN,
// $LIB ("lib/<triplet>", Debian's value) and $PLATFORM are expanded;
// relative RPATH elements (relative to the unknown working directory) are
// skipped. A candidate of the wrong class, byte order or machine is skipped
// as ld.so skips it. A name already loaded (by soname) is not searched
// again. For a musl target the search is musl's: DT_RUNPATH or DT_RPATH of
// the object and its loaders, then /etc/ld-musl-<arch>.path or musl's
// built-in path. glibc-hwcaps subdirectories are not searched.
//
// ELF files inside dependency trees that the target cannot load are
// returned in Closure.Foreign and are not resolved. Foreign files anywhere
// else, missing libraries and missing loaders make the error an *Error
// (the Closure is returned with it). Other errors are I/O errors.
func Resolve(root *Root, entries []string, opts Options) (*Closure, error) {
	r, err := newResolver(root, opts)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		canon, _, err := root.Lookup(e)
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", e, err)
		}
		fi, err := os.Lstat(root.HostPath(canon))
		if err != nil {
			return nil, err
		}
		if fi.IsDir() {
			if err := r.walk(canon, nil); err != nil {
				return nil, err
			}
			continue
		}
		info, err := r.info(canon)
		if errors.Is(err, ErrNotELF) {
			continue // a script entrypoint: nothing for the loader
		}
		if err != nil {
			return nil, err
		}
		if !r.opts.Platform.compatible(info) || (info.Libc != LibcUnknown && info.Libc != r.libc) {
			r.wrong = append(r.wrong, Mismatch{Path: canon, Reason: r.foreignReason(info)})
			continue
		}
		r.object(canon, info)
	}
	return r.result()
}

// resolver holds the caches of one Resolve or StartCheck run.
type resolver struct {
	root     *Root
	opts     Options
	libc     Libc
	depDirs  map[string]bool
	confDirs []string // ld.so.conf directories (glibc) or the musl path

	infos map[string]*Info // canonical path → parsed ELF (nil: not ELF)
	dirs  map[string]dirLookup
	cands map[string]cand

	objects map[string]bool
	files   map[string]*Info
	links   map[string]string
	foreign []Foreign
	missing map[Missing]bool
	wrong   []Mismatch
}

type dirLookup struct {
	canon string
	links []Link
	ok    bool
}

type cand struct {
	path  string // as the loader opens it: dir/name
	canon string
	links []Link
	info  *Info
}

func newResolver(root *Root, opts Options) (*resolver, error) {
	if opts.Platform.GOARCH == "" {
		return nil, errors.New("elfdeps: no target platform")
	}
	r := &resolver{root: root, opts: opts, depDirs: map[string]bool{},
		infos: map[string]*Info{}, dirs: map[string]dirLookup{}, cands: map[string]cand{},
		objects: map[string]bool{}, files: map[string]*Info{}, links: map[string]string{}, missing: map[Missing]bool{}}
	deps := opts.DependencyDirs
	if deps == nil {
		deps = DefaultDependencyDirs
	}
	for _, d := range deps {
		r.depDirs[d] = true
	}
	r.libc = opts.Libc
	p := opts.Platform
	if r.libc == LibcUnknown {
		r.libc = Glibc
		if _, _, err := root.Lookup(p.GlibcInterp); err != nil {
			if _, _, err := root.Lookup(muslLoader(p)); err == nil {
				r.libc = Musl
			}
		}
	}
	var err error
	if r.libc == Musl {
		r.confDirs, err = muslPath(root, p)
	} else {
		r.confDirs, err = LdSoConfDirs(root)
	}
	return r, err
}

func muslLoader(p Platform) string { return "/lib/ld-musl-" + p.MuslArch + ".so.1" }

// LdSoConfDirs returns the library directories listed in the root's
// /etc/ld.so.conf, following "include" lines (glob patterns, relative ones
// taken relative to the including file's directory, as ldconfig(8) does),
// in file order. Comments (#) and "hwcap" lines are ignored; entries may be
// separated by whitespace, ':' or ','. A missing /etc/ld.so.conf gives no
// directories and no error. Only the last path component of an include
// pattern may contain glob characters.
func LdSoConfDirs(root *Root) ([]string, error) {
	var dirs []string
	seen := map[string]bool{}
	var parse func(file string, depth int) error
	parse = func(file string, depth int) error {
		if depth > 8 || seen[file] {
			return nil
		}
		seen[file] = true
		f, _, err := root.Open(file)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			fields := strings.FieldsFunc(line, func(c rune) bool { return c == ' ' || c == '\t' || c == ':' || c == ',' })
			if len(fields) == 0 || fields[0] == "hwcap" {
				continue
			}
			if fields[0] == "include" {
				for _, pat := range fields[1:] {
					if !path.IsAbs(pat) {
						pat = path.Join(path.Dir(file), pat)
					}
					matches, err := globInRoot(root, pat)
					if err != nil {
						return err
					}
					for _, m := range matches {
						if err := parse(m, depth+1); err != nil {
							return err
						}
					}
				}
				continue
			}
			for _, d := range fields {
				if i := strings.IndexByte(d, '='); i >= 0 { // old "dir=TYPE" syntax
					d = d[:i]
				}
				if path.IsAbs(d) {
					dirs = append(dirs, path.Clean(d))
				}
			}
		}
		return sc.Err()
	}
	err := parse("/etc/ld.so.conf", 0)
	return dirs, err
}

// globInRoot expands a pattern whose last component may hold glob
// characters, inside root, and returns the sorted image paths that match.
func globInRoot(root *Root, pat string) ([]string, error) {
	dir, base := path.Split(pat)
	canon, _, err := root.Lookup(dir)
	if err != nil {
		return nil, nil
	}
	ents, err := os.ReadDir(root.HostPath(canon))
	if err != nil {
		return nil, nil
	}
	var out []string
	for _, e := range ents {
		if ok, _ := path.Match(base, e.Name()); ok {
			out = append(out, path.Join(canon, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// muslPath is musl's library path: the lines (or ':'-separated entries) of
// /etc/ld-musl-<arch>.path in the root, else MuslDefaultDirs.
func muslPath(root *Root, p Platform) ([]string, error) {
	f, _, err := root.Open("/etc/ld-musl-" + p.MuslArch + ".path")
	if err != nil {
		return p.MuslDefaultDirs(), nil
	}
	defer f.Close()
	var dirs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for _, d := range strings.FieldsFunc(sc.Text(), func(c rune) bool { return c == ':' || c == ' ' || c == '\t' }) {
			if path.IsAbs(d) {
				dirs = append(dirs, path.Clean(d))
			}
		}
	}
	return dirs, sc.Err()
}

// info returns the parsed ELF file at a canonical path, cached; the error
// wraps ErrNotELF for other files.
func (r *resolver) info(canon string) (*Info, error) {
	if i, ok := r.infos[canon]; ok {
		if i == nil {
			return nil, ErrNotELF
		}
		return i, nil
	}
	f, err := os.Open(r.root.HostPath(canon))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	i, err := inspectFile(f, canon)
	if errors.Is(err, ErrNotELF) {
		r.infos[canon] = nil
	}
	if err == nil {
		r.infos[canon] = i
	}
	return i, err
}

// inDependencyTree reports whether an image path has a dependency-tree
// directory as one of its components.
func (r *resolver) inDependencyTree(p string) bool {
	for _, c := range strings.Split(p, "/") {
		if r.depDirs[c] {
			return true
		}
	}
	return false
}

func (r *resolver) isForeign(info *Info) bool {
	return !r.opts.Platform.compatible(info) || (info.Libc != LibcUnknown && info.Libc != r.libc)
}

func (r *resolver) foreignReason(info *Info) string {
	p := r.opts.Platform
	if !p.compatible(info) {
		return fmt.Sprintf("%s, target is %s", describe(info.Class, info.Data, info.Machine, info.OSABI), describe(p.Class, p.Data, p.Machine, elf.ELFOSABI_NONE))
	}
	return fmt.Sprintf("linked against %s, target uses %s", info.Libc, r.libc)
}

func describe(c elf.Class, d elf.Data, m elf.Machine, abi elf.OSABI) string {
	bits := "32-bit"
	if c == elf.ELFCLASS64 {
		bits = "64-bit"
	}
	s := fmt.Sprintf("%s %s", strings.TrimPrefix(m.String(), "EM_"), bits)
	if d == elf.ELFDATA2MSB {
		s += " big-endian"
	}
	if abi != elf.ELFOSABI_NONE && abi != elf.ELFOSABI_LINUX {
		s += " " + strings.TrimPrefix(abi.String(), "ELFOSABI_")
	}
	return s
}

// walk visits every regular file under the canonical directory dir,
// without following symlinks, and resolves each loadable ELF object for
// the target. skip, when set, prunes image paths (StartCheck's /proc, /sys,
// /dev).
func (r *resolver) walk(dir string, skip func(string) bool) error {
	host := r.root.HostPath(dir)
	return filepath.WalkDir(host, func(hp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(r.root.Dir(), hp)
		img := path.Clean("/" + filepath.ToSlash(rel))
		if d.IsDir() {
			if skip != nil && skip(img) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if !sniffELF(hp) {
			if r.inDependencyTree(img) {
				if kind := otherOSModule(hp); kind != "" {
					fi, err := d.Info()
					if err != nil {
						return err
					}
					r.foreign = append(r.foreign, Foreign{Path: img, Size: fi.Size(), Reason: kind + ", target is Linux"})
				}
			}
			return nil
		}
		info, err := r.info(img)
		if errors.Is(err, ErrNotELF) {
			return nil
		}
		if err != nil {
			if r.inDependencyTree(img) { // a broken file in a package tree loads nowhere either
				return nil
			}
			return err
		}
		if !info.Loadable() {
			return nil
		}
		if r.isForeign(info) {
			if r.inDependencyTree(img) {
				r.foreign = append(r.foreign, Foreign{Path: img, Size: info.Size, Reason: r.foreignReason(info)})
			} else {
				r.wrong = append(r.wrong, Mismatch{Path: img, Reason: r.foreignReason(info)})
			}
			return nil
		}
		r.object(img, info)
		return nil
	})
}

// loaded is one object in a simulated link map.
type loaded struct {
	path   string // as opened, for $ORIGIN
	info   *Info
	loader *loaded
}

// object simulates loading the object at canonical path canon as the root
// of a link map and records its interpreter, libraries and failures.
func (r *resolver) object(canon string, info *Info) {
	if r.objects[canon] {
		return
	}
	r.objects[canon] = true
	if info.Interp != "" {
		r.interp(canon, info.Interp)
	}
	main := &loaded{path: canon, info: info}
	byName := map[string]bool{path.Base(canon): true}
	if info.Soname != "" {
		byName[info.Soname] = true
	}
	seen := map[string]bool{canon: true}
	queue := []*loaded{main}
	for len(queue) > 0 {
		obj := queue[0]
		queue = queue[1:]
		for _, name := range obj.info.Needed {
			if byName[name] {
				continue
			}
			c, ok := r.search(name, obj)
			if !ok {
				r.missing[Missing{File: obj.info.Path, Needed: name}] = true
				continue
			}
			byName[name] = true
			if c.info.Soname != "" {
				byName[c.info.Soname] = true
			}
			r.addFile(c.canon, c.links, c.info)
			if !seen[c.canon] {
				seen[c.canon] = true
				queue = append(queue, &loaded{path: c.path, info: c.info, loader: obj})
			}
		}
	}
}

// interp records the loader an executable names, which must exist in the
// root and be an ELF object for the target.
func (r *resolver) interp(from, interp string) {
	canon, links, err := r.root.Lookup(interp)
	if err == nil {
		if info, ierr := r.info(canon); ierr == nil && r.opts.Platform.compatible(info) {
			r.addFile(canon, links, info)
			return
		}
	}
	r.missing[Missing{File: from, Needed: interp, Interp: true}] = true
}

func (r *resolver) addFile(canon string, links []Link, info *Info) {
	r.files[canon] = info
	for _, l := range links {
		r.links[l.Path] = l.Target
	}
}

var dstRE = regexp.MustCompile(`\$(\{(ORIGIN|LIB|PLATFORM)\}|ORIGIN|LIB|PLATFORM)`)

// expand substitutes the dynamic string tokens of one RPATH/RUNPATH element
// for the object obj; ok is false when the element must be dropped (an
// unknown $PLATFORM, a relative result).
func (r *resolver) expand(elem string, obj *loaded) (string, bool) {
	ok := true
	out := dstRE.ReplaceAllStringFunc(elem, func(tok string) string {
		switch strings.Trim(tok, "${}") {
		case "ORIGIN":
			return path.Dir(obj.path)
		case "LIB":
			if r.libc == Musl {
				ok = false // musl expands $ORIGIN only
			}
			return "lib/" + r.opts.Platform.Triplet
		default:
			if r.libc == Musl || r.opts.Platform.ATPlatform == "" {
				ok = false
			}
			return r.opts.Platform.ATPlatform
		}
	})
	if !ok || !path.IsAbs(out) {
		return "", false
	}
	return path.Clean(out), true
}

// searchDirs lists, in order, the directories the loader tries for the
// DT_NEEDED entries of obj.
func (r *resolver) searchDirs(obj *loaded) []string {
	var dirs []string
	add := func(elems []string, o *loaded) {
		for _, e := range elems {
			if d, ok := r.expand(e, o); ok {
				dirs = append(dirs, d)
			}
		}
	}
	if r.libc == Musl {
		for l := obj; l != nil; l = l.loader {
			if len(l.info.RunPath) > 0 {
				add(l.info.RunPath, l)
			} else {
				add(l.info.RPath, l)
			}
		}
		return append(dirs, r.confDirs...)
	}
	if len(obj.info.RunPath) == 0 {
		for l := obj; l != nil; l = l.loader {
			if len(l.info.RunPath) == 0 { // glibc ignores DT_RPATH when DT_RUNPATH is set
				add(l.info.RPath, l)
			}
		}
	}
	add(obj.info.RunPath, obj)
	if obj.info.NoDefaultLib {
		return dirs
	}
	dirs = append(dirs, r.confDirs...)
	return append(dirs, r.opts.Platform.DefaultDirs()...)
}

// muslReserved are the names musl's loader satisfies with itself
// (ldso/dynlink.c load_library: libc, libpthread, librt, libm, libdl,
// libutil, libxnet).
var muslReserved = regexp.MustCompile(`^lib(c|pthread|rt|m|dl|util|xnet)\.so(\..*)?$`)

// search finds the library name for obj as the loader would.
func (r *resolver) search(name string, obj *loaded) (cand, bool) {
	if strings.Contains(name, "/") { // a path, not searched (relative ones are taken from "/")
		return r.candidate(path.Dir(path.Clean("/"+name)), path.Base(name))
	}
	if r.libc == Musl && muslReserved.MatchString(name) {
		if c, ok := r.candidate("/lib", path.Base(muslLoader(r.opts.Platform))); ok {
			return c, true
		}
	}
	for _, d := range r.searchDirs(obj) {
		if c, ok := r.candidate(d, name); ok {
			return c, true
		}
	}
	return cand{}, false
}

// candidate looks for name in the image directory dir and accepts it when
// it is an ELF object the target can load. Results are cached.
func (r *resolver) candidate(dir, name string) (cand, bool) {
	key := dir + "\x00" + name
	if c, ok := r.cands[key]; ok {
		return c, c.info != nil
	}
	dl, ok := r.dirs[dir]
	if !ok {
		canon, links, err := r.root.Lookup(dir)
		dl = dirLookup{canon: canon, links: links, ok: err == nil}
		r.dirs[dir] = dl
	}
	var c cand
	if dl.ok {
		canon, links, err := r.root.Lookup(path.Join(dl.canon, name))
		if err == nil {
			if info, err := r.info(canon); err == nil && info.Loadable() && r.opts.Platform.compatible(info) {
				c = cand{path: path.Join(dir, name), canon: canon, links: append(append([]Link(nil), dl.links...), links...), info: info}
			}
		}
	}
	r.cands[key] = c
	return c, c.info != nil
}

// result assembles the sorted Closure and the *Error, if any.
func (r *resolver) result() (*Closure, error) {
	c := &Closure{Platform: r.opts.Platform, Libc: r.libc}
	for o := range r.objects {
		c.Objects = append(c.Objects, o)
	}
	for f, info := range r.files {
		c.Files = append(c.Files, f)
		c.Bytes += info.Size
	}
	for p, t := range r.links {
		c.Links = append(c.Links, Link{Path: p, Target: t})
	}
	c.Foreign = r.foreign
	sort.Strings(c.Objects)
	sort.Strings(c.Files)
	sort.Slice(c.Links, func(i, j int) bool { return c.Links[i].Path < c.Links[j].Path })
	sort.Slice(c.Foreign, func(i, j int) bool { return c.Foreign[i].Path < c.Foreign[j].Path })
	if len(r.missing) == 0 && len(r.wrong) == 0 {
		return c, nil
	}
	e := &Error{Platform: r.opts.Platform, WrongArch: r.wrong}
	for m := range r.missing {
		e.Missing = append(e.Missing, m)
	}
	sort.Slice(e.Missing, func(i, j int) bool {
		a, b := e.Missing[i], e.Missing[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Needed < b.Needed
	})
	sort.Slice(e.WrongArch, func(i, j int) bool { return e.WrongArch[i].Path < e.WrongArch[j].Path })
	return c, e
}
