package golang

import (
	"errors"
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// maxGraphPackages bounds the import graph slim init walks per app.
const maxGraphPackages = 5000

// graph finds the packages with cgo files among a main package's
// dependencies without running the go command (slim init must work on a
// machine without Go, and must not download anything): it reads the
// sources the way `go list -deps` would resolve them (go help modules):
// the app's own modules (go.mod, go.work's use directives, local replace
// directories), vendor/ when vendor/modules.txt exists, else the module
// cache ($GOMODCACHE, else $GOPATH/pkg/mod, else ~/go/pkg/mod) at the
// versions go.mod requires (after replace directives). Files are matched
// for linux/amd64 with cgo on, as go/build does.
type graph struct {
	dir      string
	ctx      build.Context
	local    map[string]string // module path -> directory of a module built from the context
	require  map[string]string // module path -> version (go.mod and go.work's modules)
	replace  map[string]module.Version
	vendored bool
	modCache string
	pkgs     map[string]*graphPkg // directory -> package, memoized across walks
	missing  map[string]bool      // modules (or import paths) with no source on this machine
	visited  int
}

type graphPkg struct {
	cgo     bool
	imports []string
}

// newGraph reads go.mod and go.work in dir (errors are parse errors of
// those files).
func newGraph(dir string) (*graph, error) {
	g := &graph{dir: dir, ctx: build.Default, local: map[string]string{}, require: map[string]string{},
		replace: map[string]module.Version{}, pkgs: map[string]*graphPkg{}, missing: map[string]bool{}}
	g.ctx.GOOS, g.ctx.GOARCH, g.ctx.CgoEnabled = "linux", "amd64", true
	g.vendored = isFile(filepath.Join(dir, "vendor", "modules.txt"))
	g.modCache = os.Getenv("GOMODCACHE")
	if g.modCache == "" {
		gopath := strings.Split(os.Getenv("GOPATH"), string(os.PathListSeparator))[0]
		if gopath == "" {
			if home, err := os.UserHomeDir(); err == nil {
				gopath = filepath.Join(home, "go")
			}
		}
		if gopath != "" {
			g.modCache = filepath.Join(gopath, "pkg", "mod")
		}
	}
	if err := g.readMod(dir); err != nil {
		return nil, err
	}
	if data, err := os.ReadFile(filepath.Join(dir, "go.work")); err == nil {
		wf, err := modfile.ParseWork("go.work", data, nil)
		if err != nil {
			return nil, err
		}
		for _, u := range wf.Use {
			if err := g.readMod(filepath.Join(dir, filepath.FromSlash(u.Path))); err != nil {
				return nil, err
			}
		}
		g.addReplaces(dir, wf.Replace)
	}
	return g, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// readMod adds the module in mdir (its go.mod) as a local module, with its
// requirements and replace directives; a missing go.mod is not an error.
func (g *graph) readMod(mdir string) error {
	data, err := os.ReadFile(filepath.Join(mdir, "go.mod"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(g.dir, filepath.Join(mdir, "go.mod"))
	f, err := modfile.Parse(filepath.ToSlash(rel), data, nil)
	if err != nil {
		return err
	}
	if f.Module != nil {
		g.local[f.Module.Mod.Path] = mdir
	}
	for _, r := range f.Require {
		g.require[r.Mod.Path] = r.Mod.Version
	}
	g.addReplaces(mdir, f.Replace)
	return nil
}

func (g *graph) addReplaces(base string, rs []*modfile.Replace) {
	for _, r := range rs {
		if modfile.IsDirectoryPath(r.New.Path) {
			p := filepath.FromSlash(r.New.Path)
			if !filepath.IsAbs(p) {
				p = filepath.Join(base, p)
			}
			g.local[r.Old.Path] = p
			continue
		}
		g.replace[r.Old.Path] = r.New
	}
}

// longest returns the key of m that is the longest module-path prefix of
// the import path ip ("" when none is).
func longest[V any](m map[string]V, ip string) string {
	best := ""
	for k := range m {
		if (ip == k || strings.HasPrefix(ip, k+"/")) && len(k) > len(best) {
			best = k
		}
	}
	return best
}

// resolve returns the directory of the package with import path ip, ""
// for the standard library or when its source is not on this machine (then
// the module, or ip itself, is recorded in g.missing).
func (g *graph) resolve(ip string) string {
	if first, _, _ := strings.Cut(ip, "/"); !strings.Contains(first, ".") {
		return "" // standard library (module paths have a dot in their first element)
	}
	if m := longest(g.local, ip); m != "" {
		return filepath.Join(g.local[m], filepath.FromSlash(strings.TrimPrefix(ip[len(m):], "/")))
	}
	if g.vendored {
		if d := filepath.Join(g.dir, "vendor", filepath.FromSlash(ip)); isDir(d) {
			return d
		}
		g.missing[ip] = true
		return ""
	}
	m := longest(g.require, ip)
	if m == "" {
		g.missing[ip] = true
		return ""
	}
	mod := module.Version{Path: m, Version: g.require[m]}
	if r, ok := g.replace[m]; ok {
		mod = r
	}
	ep, err1 := module.EscapePath(mod.Path)
	ev, err2 := module.EscapeVersion(mod.Version)
	d := filepath.Join(g.modCache, ep+"@"+ev, filepath.FromSlash(strings.TrimPrefix(ip[len(m):], "/")))
	if err1 != nil || err2 != nil || g.modCache == "" || !isDir(d) {
		g.missing[mod.Path] = true
		return ""
	}
	return d
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// load reads the package in dir (nil when it has no Go files for linux).
func (g *graph) load(dir string) *graphPkg {
	if p, ok := g.pkgs[dir]; ok {
		return p
	}
	g.visited++
	bp, err := g.ctx.ImportDir(dir, 0)
	var p *graphPkg
	if err == nil || len(bp.GoFiles)+len(bp.CgoFiles) > 0 {
		p = &graphPkg{cgo: len(bp.CgoFiles) > 0, imports: bp.Imports}
	}
	g.pkgs[dir] = p
	return p
}

// cgoDeps walks the imports of the main package in mainDir and returns the
// import paths of the non-standard packages with cgo files among them,
// sorted, and whether the main package itself has cgo files.
func (g *graph) cgoDeps(mainDir string) (deps []string, self bool) {
	found := map[string]bool{}
	seen := map[string]bool{mainDir: true}
	type item struct{ dir, ip string }
	queue := []item{{mainDir, ""}}
	for len(queue) > 0 && g.visited < maxGraphPackages {
		it := queue[0]
		queue = queue[1:]
		p := g.load(it.dir)
		if p == nil {
			continue
		}
		switch {
		case p.cgo && it.ip == "":
			self = true
		case p.cgo:
			found[it.ip] = true
		}
		for _, ip := range p.imports {
			if ip == "C" {
				continue
			}
			if d := g.resolve(ip); d != "" && !seen[d] {
				seen[d] = true
				queue = append(queue, item{d, ip})
			}
		}
	}
	for ip := range found {
		deps = append(deps, ip)
	}
	sort.Strings(deps)
	return deps, self
}

// unresolved lists what the walks could not read (modules not in the
// module cache), sorted.
func (g *graph) unresolved() []string {
	out := make([]string, 0, len(g.missing))
	for m := range g.missing {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}
