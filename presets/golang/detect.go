package golang

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/slimfront/slimfront/presets"
	"golang.org/x/mod/modfile"
)

// Info describes Go to slim init and bench: an app with a go.mod, sources
// in .go files, compiled to one static binary.
func (Preset) Info() presets.LanguageInfo {
	return presets.LanguageInfo{Name: "Go", Markers: []string{"go.mod"}, SourceExt: ".go", StaticBinary: true}
}

var (
	goBuildIgnore = regexp.MustCompile(`(?m)^//go:build\s+ignore\b`)
	goPackage     = regexp.MustCompile(`(?m)^package\s+([A-Za-z_]\w*)`)
	goDirective   = regexp.MustCompile(`(?m)^go\s+(\d+\.\d+)`)
)

// Detect finds the main package of the module in dir and writes what its
// build needs (entry, when not "", is the main package to use,
// "./cmd/api"):
//   - the entrypoint: the root package, else the first cmd/* (the others
//     are listed in a note with the SLIM_ENTRYPOINT build arg that builds
//     them), else the only main package;
//   - deps: go.mod, go.sum, go.work and go.work.sum when present, and
//     vendor/modules.txt when the modules are vendored (the build then
//     downloads nothing and runs its go steps with the network off);
//   - [build.env] CGO_ENABLED = "1" when a package with cgo files is among
//     the dependencies of a main package it lists (found in the sources,
//     see graph; what is not on this machine is named in a note);
//   - the default port in the main package's sources, and the toolchain
//     version as a note.
//
// It fails when there is no main package, when several are found and
// none is under cmd/ (listing them), for a go.mod or go.work that does not
// parse, and for a local replace (or go.work use) directory outside dir,
// at file:line.
func (Preset) Detect(dir, entry string) (*presets.Detection, error) {
	d := &presets.Detection{Deps: []string{"go.mod"}}
	for _, f := range []string{"go.sum", "go.work", "go.work.sum"} {
		if presets.IsFile(filepath.Join(dir, f)) {
			d.Deps = append(d.Deps, f)
		}
	}
	d.DepsNote = "copied before the sources and downloaded with the module cache mounted: a code edit keeps them cached"
	vendored := presets.IsFile(filepath.Join(dir, "vendor", "modules.txt"))
	if vendored {
		d.Deps = append(d.Deps, vendorManifest)
		d.DepsNote = vendorManifest + ": the modules are vendored; the build reads vendor/ (-mod=vendor), downloads nothing and runs its go steps with the network off"
	}
	mains, err := mainPackages(dir)
	if err != nil {
		return nil, err
	}
	var main string
	var others []string // the other binaries: cmd/* besides the chosen one
	var cmds []string
	for _, m := range mains {
		if strings.HasPrefix(m, "cmd/") && strings.Count(m, "/") == 1 {
			cmds = append(cmds, m)
		}
	}
	switch {
	case entry != "":
		main = strings.TrimPrefix(path.Clean(filepath.ToSlash(entry)), "./")
		d.EntryNote = "the main package (from --entrypoint)"
	case slices.Contains(mains, "."):
		main = "."
		d.EntryNote = "the main package: package main at the module root"
	case len(cmds) == 1:
		main = cmds[0]
		d.EntryNote = "the main package: the only one under cmd/"
	case len(cmds) > 1:
		main = cmds[0]
		d.EntryNote = fmt.Sprintf("the main package: the first of the %d under cmd/ (the others are listed below)", len(cmds))
	case len(mains) == 1:
		main = mains[0]
		d.EntryNote = "the main package: the only one in the module"
	case len(mains) == 0:
		return nil, fmt.Errorf("%s: no main package (no .go file with `package main` outside tests); slim init needs the program to build", dir)
	default:
		var opts []string
		for _, m := range mains {
			opts = append(opts, packagePath(m))
		}
		return nil, fmt.Errorf("%s has several main packages: %s; choose one with --entrypoint, e.g. slim init --entrypoint %s (the same slim.toml builds the others with --build-arg SLIM_ENTRYPOINT=%s)", dir, strings.Join(opts, ", "), opts[0], opts[len(opts)-1])
	}
	for _, c := range cmds {
		if c != main {
			others = append(others, c)
		}
	}
	d.Path = packagePath(main)
	var srcs []string
	if ents, err := os.ReadDir(filepath.Join(dir, main)); err == nil {
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
				srcs = append(srcs, path.Join(main, e.Name()))
			}
		}
	}
	d.Port, d.PortNote = presets.FindPort(dir, srcs)
	note := fmt.Sprintf(`# version = "%s"     # Go toolchain, MAJOR.MINOR; default %s`, DefaultVersion, DefaultVersion)
	if m := goDirective.FindSubmatch(presets.ReadHead(filepath.Join(dir, "go.mod"))); m != nil {
		note += fmt.Sprintf(" (go.mod says go %s)", m[1])
	}
	d.Notes = append(d.Notes, note)
	if len(others) > 0 {
		var ps []string
		for _, o := range others {
			ps = append(ps, packagePath(o))
		}
		d.Notes = append(d.Notes,
			fmt.Sprintf("# The other binaries under cmd/: %s. This slim.toml builds each of them with", strings.Join(ps, ", ")),
			fmt.Sprintf("#   docker buildx build -f slim.toml --build-arg SLIM_ENTRYPOINT=%s -t %s .", ps[0], path.Base(others[0])),
			"# (the CI recipes in docs/ci show one image per binary: a matrix entry each, SLIM_ENTRYPOINT).")
	}
	if err := checkLocalDirs(dir); err != nil {
		return nil, err
	}
	if presets.IsFile(filepath.Join(dir, "go.work")) {
		d.Notes = append(d.Notes, "# go.work: every module it uses is built from this context (their go.mod files are copied before the download)")
	}
	g, err := newGraph(dir)
	if err != nil {
		return nil, err
	}
	// One descriptor builds every binary (SLIM_ENTRYPOINT), and
	// CGO_ENABLED is one key for all: cgo when any of them needs it.
	var cgoNeeds []string
	for _, m := range append([]string{main}, others...) {
		deps, self := g.cgoDeps(filepath.Join(dir, filepath.FromSlash(m)))
		who := packagePath(m)
		if m == "." {
			who = "the root package"
		}
		if self {
			cgoNeeds = append(cgoNeeds, who+` imports "C" itself`)
		}
		if len(deps) > 0 {
			cgoNeeds = append(cgoNeeds, fmt.Sprintf("%s imports %s", who, strings.Join(deps, ", ")))
		}
	}
	if len(cgoNeeds) > 0 {
		d.BuildEnv = append(d.BuildEnv, presets.EnvKey{Key: "CGO_ENABLED", Value: "1",
			Note: strings.Join(cgoNeeds, "; ") + ": C code (cgo), so the build uses gcc and the image gets the C libraries the binary loads"})
	}
	if miss := g.unresolved(); len(miss) > 0 {
		if len(miss) > 5 {
			miss = append(miss[:5], fmt.Sprintf("and %d more", len(miss)-5))
		}
		d.Notes = append(d.Notes, fmt.Sprintf("# not read for cgo (not downloaded on this machine: go mod download): %s; if one has C code, the build fails and says to add CGO_ENABLED = \"1\"", strings.Join(miss, ", ")))
	}
	return d, nil
}

// checkLocalDirs reads go.mod and go.work in dir with golang.org/x/mod/modfile
// and returns an error naming file:line for a local replace (or go.work
// use) directory outside dir, which no build of dir can read, or for a
// file that does not parse.
func checkLocalDirs(dir string) error {
	check := func(file string, line int, what, p string) error {
		if !modfile.IsDirectoryPath(p) {
			return nil
		}
		abs := filepath.Join(dir, filepath.FromSlash(p))
		if filepath.IsAbs(filepath.FromSlash(p)) {
			abs = filepath.FromSlash(p)
		}
		if rel, err := filepath.Rel(dir, abs); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%s:%d: %s => %s: the directory is outside %s, the build context; move the module inside it or vendor it (go mod vendor)", file, line, what, p, dir)
		}
		return nil
	}
	if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
		f, err := modfile.Parse("go.mod", data, nil)
		if err != nil {
			return err
		}
		for _, r := range f.Replace {
			if err := check("go.mod", r.Syntax.Start.Line, "replace "+r.Old.Path, r.New.Path); err != nil {
				return err
			}
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "go.work")); err == nil {
		f, err := modfile.ParseWork("go.work", data, nil)
		if err != nil {
			return err
		}
		for _, u := range f.Use {
			if err := check("go.work", u.Syntax.Start.Line, "use", u.Path); err != nil {
				return err
			}
		}
		for _, r := range f.Replace {
			if err := check("go.work", r.Syntax.Start.Line, "replace "+r.Old.Path, r.New.Path); err != nil {
				return err
			}
		}
	}
	return nil
}

// mainPackages lists the directories (relative, slash-separated, "." for
// dir) holding a main package of the module at dir, sorted; nested modules,
// tests, `//go:build ignore` files and presets.SkipDir directories are left
// out, and the walk stops after 20000 files.
func mainPackages(dir string) ([]string, error) {
	set := map[string]bool{}
	visited := 0
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if p != dir && (presets.SkipDir(e.Name()) || presets.IsFile(filepath.Join(p, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if visited++; visited > 20000 {
			return filepath.SkipAll
		}
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		src := presets.ReadHead(p)
		if goBuildIgnore.Match(src) {
			return nil
		}
		if m := goPackage.FindSubmatch(src); m != nil && string(m[1]) == "main" {
			rel, _ := filepath.Rel(dir, filepath.Dir(p))
			set[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	return slices.Sorted(maps.Keys(set)), err
}

// packagePath turns a relative directory into a package path: "." or "./cmd/api".
func packagePath(rel string) string {
	if rel == "." {
		return "."
	}
	return "./" + rel
}
