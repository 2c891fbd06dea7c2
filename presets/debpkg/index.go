// Package debpkg installs Debian packages into an image root the way
// distroless does, for `[run] packages` on distroless and scratch: it reads
// apt's package indexes (the Packages files `apt-get update` leaves in
// /var/lib/apt/lists, see apt(8) and deb-control(5)), resolves the
// dependency closure for one architecture minus the packages the image
// already has (their records in /var/lib/dpkg/status.d, distroless's
// convention), and unpacks the downloaded .debs (dpkg-deb(1)
// --fsys-tarfile; no maintainer scripts) without docs, man pages and
// locales, writing one status.d record (the control fields) and one
// .md5sums per package so scanners see them. It never runs target code: an
// arm64 package is read as data on the build platform.
package debpkg

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Package is one stanza of a Packages index (or a status.d record).
type Package struct {
	Name, Version, Arch string
	Essential           bool
	Depends             [][]string // Pre-Depends then Depends: groups of alternatives, names only
	Provides            []string
}

// Index holds the packages installable on one architecture: those of that
// architecture and of "all", the highest version of each name.
type Index struct {
	Arch     string
	byName   map[string]*Package
	provides map[string][]string // virtual name -> real packages, sorted
}

// ParseStanzas splits deb-control(5) data into stanzas of field -> value
// (continuation lines joined with "\n").
func ParseStanzas(r io.Reader, each func(map[string]string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	cur := map[string]string{}
	last := ""
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		err := each(cur)
		cur, last = map[string]string{}, ""
		return err
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			if err := flush(); err != nil {
				return err
			}
		case line[0] == ' ' || line[0] == '\t':
			if last != "" {
				cur[last] += "\n" + line
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			last = k
			cur[k] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}

// parseDeps turns "a (>= 1) | b:any, c" into [[a b] [c]]: version
// constraints and architecture qualifiers are dropped (one suite, one
// version per name).
func parseDeps(s string) [][]string {
	var out [][]string
	for _, g := range strings.Split(s, ",") {
		var alts []string
		for _, a := range strings.Split(g, "|") {
			a = strings.TrimSpace(a)
			if i := strings.IndexAny(a, " (["); i >= 0 {
				a = a[:i]
			}
			a, _, _ = strings.Cut(a, ":")
			if a != "" {
				alts = append(alts, a)
			}
		}
		if len(alts) > 0 {
			out = append(out, alts)
		}
	}
	return out
}

func fromStanza(f map[string]string) *Package {
	p := &Package{Name: f["Package"], Version: f["Version"], Arch: f["Architecture"], Essential: f["Essential"] == "yes"}
	p.Depends = append(parseDeps(f["Pre-Depends"]), parseDeps(f["Depends"])...)
	for _, g := range parseDeps(f["Provides"]) {
		p.Provides = append(p.Provides, g...)
	}
	return p
}

// LoadIndex reads every uncompressed *_Packages file in listsDir (apt's
// /var/lib/apt/lists after `apt-get update -o Acquire::GzipIndexes=false`)
// and keeps the packages for arch (a Debian architecture: amd64, arm64)
// and "all", the highest version (dpkg's ordering) of each name.
func LoadIndex(listsDir, arch string) (*Index, error) {
	files, err := filepath.Glob(filepath.Join(listsDir, "*_Packages"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no package indexes in %s (apt-get update first)", listsDir)
	}
	sort.Strings(files)
	ix := &Index{Arch: arch, byName: map[string]*Package{}, provides: map[string][]string{}}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		err = ParseStanzas(fh, func(s map[string]string) error {
			p := fromStanza(s)
			if p.Name == "" || (p.Arch != arch && p.Arch != "all") {
				return nil
			}
			if old, ok := ix.byName[p.Name]; !ok || CompareVersions(p.Version, old.Version) > 0 {
				ix.byName[p.Name] = p
			}
			return nil
		})
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	for _, p := range ix.byName {
		for _, v := range p.Provides {
			ix.provides[v] = append(ix.provides[v], p.Name)
		}
	}
	for _, ps := range ix.provides {
		sort.Strings(ps)
	}
	return ix, nil
}

// NewIndex builds an Index from packages (for tests and callers with their
// own source).
func NewIndex(arch string, pkgs ...*Package) *Index {
	ix := &Index{Arch: arch, byName: map[string]*Package{}, provides: map[string][]string{}}
	for _, p := range pkgs {
		ix.byName[p.Name] = p
		for _, v := range p.Provides {
			ix.provides[v] = append(ix.provides[v], p.Name)
		}
	}
	return ix
}

// Lookup returns the package called name.
func (ix *Index) Lookup(name string) (*Package, bool) { p, ok := ix.byName[name]; return p, ok }

// Suggest returns up to three package names closest to name (edit
// distance, then common prefix, then alphabetical), for "did you mean".
func (ix *Index) Suggest(name string) []string {
	type cand struct {
		n string
		d int
	}
	var cs []cand
	limit := max(2, len(name)/3)
	for n := range ix.byName {
		if abs(len(n)-len(name)) > limit {
			continue
		}
		if d := levenshtein(name, n); d <= limit {
			cs = append(cs, cand{n, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].n < cs[j].n
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].n)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// UnknownError is a requested name the index has no package for.
type UnknownError struct {
	Index   int // position in the requested list
	Name    string
	Arch    string
	Virtual []string // real packages providing it, when it is virtual
	Suggest []string
}

func (e *UnknownError) Error() string {
	if len(e.Virtual) > 0 {
		return fmt.Sprintf("run.packages[%d]: %q is a virtual Debian package (trixie, %s); name one that provides it: %s", e.Index, e.Name, e.Arch, strings.Join(e.Virtual, ", "))
	}
	msg := fmt.Sprintf("run.packages[%d]: unknown Debian package %q (trixie, %s)", e.Index, e.Name, e.Arch)
	if len(e.Suggest) > 0 {
		q := make([]string, len(e.Suggest))
		for i, s := range e.Suggest {
			q[i] = fmt.Sprintf("%q", s)
		}
		msg += "; did you mean " + strings.Join(q, " or ") + "?"
	}
	return msg
}

// Resolution is what Resolve selected.
type Resolution struct {
	Install []*Package // sorted by name
	Have    []string   // requested or needed packages the image already has, sorted
	Skipped []string   // Essential packages pulled in only as dependencies, left out, sorted
}

// Resolve returns the dependency closure of the requested names
// (Pre-Depends and Depends; for alternatives the first one already chosen
// or present, else the first real package, else the first provider of a
// virtual one) minus the packages in have (names of packages the image
// already has; their own dependencies are not followed, as the image's
// base satisfied them). Essential packages (dpkg, bash, ...) reached only
// as dependencies are left out: they are the tools of a Debian system,
// which these images do not have. A requested virtual name with a single
// provider means that provider (as apt-get install takes it: libmagic1 is
// libmagic1t64 in trixie). An unknown requested name, or a virtual one
// with several providers, is an *UnknownError with suggestions.
func (ix *Index) Resolve(names []string, have map[string]bool) (*Resolution, error) {
	res := &Resolution{}
	sel := map[string]*Package{}
	haveHit, skipped := map[string]bool{}, map[string]bool{}
	var queue []*Package
	for i, n := range names {
		p, ok := ix.byName[n]
		if !ok && len(ix.provides[n]) == 1 {
			// a virtual name with one provider (libmagic1 -> libmagic1t64
			// after trixie's 64-bit time_t rename), as apt-get install takes it
			p, ok = ix.byName[ix.provides[n][0]]
			n = p.Name
		}
		if !ok {
			return nil, &UnknownError{Index: i, Name: n, Arch: ix.Arch, Virtual: ix.provides[n], Suggest: ix.Suggest(n)}
		}
		if have[n] {
			haveHit[n] = true
			continue
		}
		if sel[n] == nil {
			sel[n] = p
			queue = append(queue, p)
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, alts := range p.Depends {
			if ix.satisfied(alts, sel, have, haveHit) {
				continue
			}
			q := ix.choose(alts)
			if q == nil {
				return nil, fmt.Errorf("%s %s depends on %s, which trixie has no package for on %s", p.Name, p.Version, strings.Join(alts, " | "), ix.Arch)
			}
			if q.Essential {
				skipped[q.Name] = true
				continue
			}
			sel[q.Name] = q
			queue = append(queue, q)
		}
	}
	for _, p := range sel {
		res.Install = append(res.Install, p)
	}
	sort.Slice(res.Install, func(i, j int) bool { return res.Install[i].Name < res.Install[j].Name })
	res.Have = sortedKeys(haveHit)
	res.Skipped = sortedKeys(skipped)
	return res, nil
}

func (ix *Index) satisfied(alts []string, sel map[string]*Package, have, haveHit map[string]bool) bool {
	for _, a := range alts {
		if have[a] {
			haveHit[a] = true
			return true
		}
		if sel[a] != nil {
			return true
		}
		for _, prov := range ix.provides[a] {
			if have[prov] || sel[prov] != nil {
				return true
			}
		}
	}
	return false
}

func (ix *Index) choose(alts []string) *Package {
	for _, a := range alts {
		if p, ok := ix.byName[a]; ok {
			return p
		}
	}
	for _, a := range alts {
		if ps := ix.provides[a]; len(ps) > 0 {
			return ix.byName[ps[0]]
		}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// HaveRecords returns the names of the packages recorded under root's
// /var/lib/dpkg/status.d (distroless's one file per package, named after
// it, plus <name>.md5sums; the name is read from the Package field) and,
// when root has a dpkg status file, the installed ones there. A root
// without either gives an empty set.
func HaveRecords(root string) (map[string]bool, error) {
	have := map[string]bool{}
	files, err := filepath.Glob(filepath.Join(root, "var/lib/dpkg/status.d/*"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".md5sums") {
			continue
		}
		if err := readNames(f, have, false); err != nil {
			return nil, err
		}
	}
	if err := readNames(filepath.Join(root, "var/lib/dpkg/status"), have, true); err != nil {
		return nil, err
	}
	return have, nil
}

func readNames(file string, into map[string]bool, needInstalled bool) error {
	fh, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer fh.Close()
	return ParseStanzas(fh, func(s map[string]string) error {
		if needInstalled && !strings.HasSuffix(s["Status"], " installed") {
			return nil
		}
		if s["Package"] != "" {
			into[s["Package"]] = true
		}
		return nil
	})
}

// Arch returns the Debian architecture of a platform ("linux/arm64" ->
// "arm64", "linux/arm/v7" -> "armhf"), as dpkg --print-architecture names it.
func Arch(platform string) (string, error) {
	m := map[string]string{
		"linux/amd64": "amd64", "linux/arm64": "arm64", "linux/arm64/v8": "arm64", "linux/arm/v7": "armhf", "linux/arm": "armhf",
		"linux/arm/v5": "armel", "linux/386": "i386", "linux/ppc64le": "ppc64el", "linux/s390x": "s390x", "linux/riscv64": "riscv64",
	}
	if a, ok := m[platform]; ok {
		return a, nil
	}
	return "", fmt.Errorf("platform %s has no Debian trixie architecture", platform)
}
