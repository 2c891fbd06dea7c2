package elfdeps

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// StartReport is what StartCheck found in an image.
type StartReport struct {
	// Objects is how many ELF executables and shared objects for the target
	// were checked.
	Objects int
	// Foreign are the foreign prebuilds in dependency trees: not errors,
	// nothing loads them.
	Foreign []Foreign
}

// StartError is an image that would not start, with what to add.
type StartError struct {
	// Problems are the wrong-architecture files and missing libraries.
	Problems *Error
	// Providers maps a missing library name to the Debian package that
	// ships it in the package database StartCheck was given ("" when none
	// does); nil when StartCheck was given no database.
	Providers map[string]string
}

func (e *StartError) Error() string {
	return FormatStartFailure(e.Problems.Platform, e.Problems.WrongArch, e.Problems.Missing, e.Providers)
}

// skipped are the image directories StartCheck does not walk: kernel
// filesystems a container runtime mounts over the image.
var skipped = map[string]bool{"/proc": true, "/sys": true, "/dev": true}

// StartCheck walks the whole assembled image in root (base image files
// included; /proc, /sys and /dev skipped) and checks that every ELF
// executable and shared object for the target would load: its PT_INTERP and
// all its DT_NEEDED libraries resolve inside root, as Resolve resolves
// them. ELF files in dependency trees that the target cannot load are
// reported in StartReport.Foreign; such files anywhere else are wrong-
// architecture errors.
//
// dpkgRoot, when not empty, is the host directory of a root holding a Debian
// package database (a builder's "/", with /var/lib/dpkg/info/*.list, or a
// distroless-style root with /var/lib/dpkg/status.d); it names the package
// that provides each missing library. The error is a *StartError whose
// message FormatStartFailure writes; other errors are I/O errors.
func StartCheck(root *Root, opts Options, dpkgRoot string) (*StartReport, error) {
	r, err := newResolver(root, opts)
	if err != nil {
		return nil, err
	}
	if err := r.walk("/", func(p string) bool { return skipped[p] }); err != nil {
		return nil, err
	}
	c, err := r.result()
	rep := &StartReport{Objects: len(c.Objects), Foreign: c.Foreign}
	var e *Error
	if !errors.As(err, &e) {
		return rep, err
	}
	se := &StartError{Problems: e}
	if len(e.Missing) > 0 && dpkgRoot != "" {
		se.Providers = map[string]string{}
		db, err := LoadPackageDB(dpkgRoot)
		if err != nil {
			return rep, err
		}
		for _, m := range e.Missing {
			se.Providers[m.Needed] = db.Provider(m.Needed, opts.Platform)
		}
	}
	return rep, se
}

// FormatStartFailure is the one message for an image that would not start:
// a line per wrong-architecture file, a line per missing (file, library)
// pair with the package that provides it, then the slim.toml line that adds
// those packages to the final image. providers maps library names to Debian
// packages; a library without one is reported as not known to the builder's
// package database. A nil providers means no database was read: the
// libraries are reported without a package.
func FormatStartFailure(p Platform, wrong []Mismatch, missing []Missing, providers map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the %s image would not start:\n", p)
	for _, w := range wrong {
		fmt.Fprintf(&b, "  %s: wrong architecture (%s)\n", w.Path, w.Reason)
	}
	var pkgs []string
	seen := map[string]bool{}
	for _, m := range missing {
		if m.Interp {
			fmt.Fprintf(&b, "  %s: its loader %s is not in the image\n", m.File, m.Needed)
			continue
		}
		pkg := providers[m.Needed]
		if providers == nil {
			fmt.Fprintf(&b, "  %s: needs %s, which is not in the image\n", m.File, m.Needed)
			continue
		}
		if pkg == "" {
			fmt.Fprintf(&b, "  %s: needs %s, which is not in the image (no package in the builder's database provides it)\n", m.File, m.Needed)
			continue
		}
		fmt.Fprintf(&b, "  %s: needs %s, which is not in the image (Debian package %s)\n", m.File, m.Needed, pkg)
		if !seen[pkg] {
			seen[pkg] = true
			pkgs = append(pkgs, pkg)
		}
	}
	if len(pkgs) > 0 {
		sort.Strings(pkgs)
		q := make([]string, len(pkgs))
		for i, s := range pkgs {
			q[i] = strconv.Quote(s)
		}
		fmt.Fprintf(&b, "add to slim.toml:\n  [run] packages = [%s]\n", strings.Join(q, ", "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// PackageDB maps file names to the Debian packages that ship them, read
// from a dpkg database.
type PackageDB struct {
	byBase map[string][]pkgFile
}

type pkgFile struct {
	pkg, dir string
}

// LoadPackageDB reads the dpkg database under the host directory dir (the
// root of a filesystem): every /var/lib/dpkg/info/<pkg>[:<arch>].list (one
// installed path per line) and .md5sums, and every
// /var/lib/dpkg/status.d/<pkg>.md5sums (distroless images record packages
// there, one "<md5>  <path without leading slash>" per line). A root
// without a database gives an empty PackageDB, not an error.
func LoadPackageDB(dir string) (*PackageDB, error) {
	db := &PackageDB{byBase: map[string][]pkgFile{}}
	load := func(pattern string, md5 bool) error {
		files, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return err
		}
		for _, f := range files {
			name := filepath.Base(f)
			name = strings.TrimSuffix(strings.TrimSuffix(name, ".list"), ".md5sums")
			if i := strings.IndexByte(name, ':'); i >= 0 { // multiarch: libssl3t64:amd64
				name = name[:i]
			}
			if err := db.read(f, name, md5); err != nil {
				return err
			}
		}
		return nil
	}
	if err := load("var/lib/dpkg/info/*.list", false); err != nil {
		return nil, err
	}
	if err := load("var/lib/dpkg/info/*.md5sums", true); err != nil {
		return nil, err
	}
	if err := load("var/lib/dpkg/status.d/*.md5sums", true); err != nil {
		return nil, err
	}
	return db, nil
}

func (db *PackageDB) read(file, pkg string, md5 bool) error {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		p := sc.Text()
		if md5 {
			f := strings.SplitN(p, "  ", 2)
			if len(f) != 2 {
				continue
			}
			p = f[1]
		}
		p = path.Clean("/" + p)
		base := path.Base(p)
		if !strings.Contains(base, ".so") {
			continue // only libraries and loaders are looked up
		}
		db.byBase[base] = append(db.byBase[base], pkgFile{pkg: pkg, dir: path.Dir(p)})
	}
	return sc.Err()
}

// Provider returns the package that ships a file named lib (a soname such as
// "libpq.so.5") in one of the target's library directories (Debian
// multiarch /usr/lib/<triplet> and /lib/<triplet> first, then the other
// default directories), else in any directory; "" when no package does.
func (db *PackageDB) Provider(lib string, p Platform) string {
	cands := db.byBase[path.Base(lib)]
	if len(cands) == 0 {
		return ""
	}
	rank := func(dir string) int {
		for i, d := range p.DefaultDirs() {
			if dir == d {
				return i
			}
		}
		return 1 << 20
	}
	best := cands[0]
	for _, c := range cands[1:] {
		if rank(c.dir) < rank(best.dir) || (rank(c.dir) == rank(best.dir) && c.pkg < best.pkg) {
			best = c
		}
	}
	return best.pkg
}
