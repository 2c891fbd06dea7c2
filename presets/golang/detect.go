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

// Detect finds the main package of the module in dir (the root one, else
// the only cmd/*, else the only one; entry, when not "", is the main
// package to use, "./cmd/api"), the default port in its sources, go.mod
// and go.sum as deps, and notes the toolchain version. It fails when there
// is no main package or several candidates, listing them.
func (Preset) Detect(dir, entry string) (*presets.Detection, error) {
	d := &presets.Detection{Deps: []string{"go.mod"}}
	if presets.IsFile(filepath.Join(dir, "go.sum")) {
		d.Deps = append(d.Deps, "go.sum")
	}
	d.DepsNote = "copied before the sources and downloaded with the module cache mounted: a code edit keeps them cached"
	mains, err := mainPackages(dir)
	if err != nil {
		return nil, err
	}
	var main string
	switch {
	case entry != "":
		main = strings.TrimPrefix(path.Clean(filepath.ToSlash(entry)), "./")
		d.EntryNote = "the main package (from --entrypoint)"
	case slices.Contains(mains, "."):
		main = "."
		d.EntryNote = "the main package: package main at the module root"
	default:
		var cmds []string
		for _, m := range mains {
			if strings.HasPrefix(m, "cmd/") && strings.Count(m, "/") == 1 {
				cmds = append(cmds, m)
			}
		}
		pick := cmds
		if len(cmds) == 0 {
			pick = mains
		}
		switch len(pick) {
		case 0:
			return nil, fmt.Errorf("%s: no main package (no .go file with `package main` outside tests); slim init needs the program to build", dir)
		case 1:
			main = pick[0]
			d.EntryNote = "the main package: the only one in the module"
			if len(cmds) == 1 {
				d.EntryNote = "the main package: the only one under cmd/"
			}
		default:
			var opts []string
			for _, m := range pick {
				opts = append(opts, packagePath(m))
			}
			return nil, fmt.Errorf("%s has several main packages: %s; choose one with --entrypoint, e.g. slim init --entrypoint %s (the same slim.toml builds the others with --build-arg SLIM_ENTRYPOINT=%s)", dir, strings.Join(opts, ", "), opts[0], opts[len(opts)-1])
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
	more, err := moduleNotes(dir, main)
	if err != nil {
		return nil, err
	}
	d.Notes = append(d.Notes, more...)
	return d, nil
}

// moduleNotes reads go.mod and go.work in dir with golang.org/x/mod/modfile
// and returns slim init's notes about them, or an error naming file:line
// for a local replace (or go.work use) directory outside dir, which no
// build of dir can read. It also notes vendor/modules.txt (the build
// downloads nothing and uses -mod=vendor) and a package of the module
// (vendor/ included) importing "C", whose build needs CGO_ENABLED = "1".
func moduleNotes(dir, main string) ([]string, error) {
	var notes []string
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
			return nil, err
		}
		for _, r := range f.Replace {
			if err := check("go.mod", r.Syntax.Start.Line, "replace "+r.Old.Path, r.New.Path); err != nil {
				return nil, err
			}
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "go.work")); err == nil {
		f, err := modfile.ParseWork("go.work", data, nil)
		if err != nil {
			return nil, err
		}
		for _, u := range f.Use {
			if err := check("go.work", u.Syntax.Start.Line, "use", u.Path); err != nil {
				return nil, err
			}
		}
		for _, r := range f.Replace {
			if err := check("go.work", r.Syntax.Start.Line, "replace "+r.Old.Path, r.New.Path); err != nil {
				return nil, err
			}
		}
		notes = append(notes, "# go.work: every module it uses is built from this context (their go.mod files are copied before the download)")
	}
	if presets.IsFile(filepath.Join(dir, "vendor", "modules.txt")) {
		notes = append(notes, "# vendor/modules.txt: the build uses the vendored modules (-mod=vendor) and downloads nothing")
	}
	if pkg := cgoPackage(dir); pkg != "" {
		notes = append(notes, fmt.Sprintf(`# %s imports "C": add [build.env] CGO_ENABLED = "1" if %s uses it (the build fails and says so otherwise)`, pkg, packagePath(main)))
	}
	return notes, nil
}

// importC matches a cgo import (import "C"), alone or in an import block.
var importC = regexp.MustCompile(`(?m)^\s*(import\s+)?"C"\s*$`)

// cgoPackage returns the first directory (relative, slash-separated) under
// dir with a non-test .go file importing "C", vendor/ included and nested
// modules left out; "" when there is none. The walk stops after 20000 files.
func cgoPackage(dir string) string {
	found, visited := "", 0
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if e.IsDir() {
			if p != dir && ((presets.SkipDir(e.Name()) && e.Name() != "vendor") || presets.IsFile(filepath.Join(p, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if visited++; visited > 20000 {
			return filepath.SkipAll
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		if importC.Match(presets.ReadHead(p)) {
			rel, _ := filepath.Rel(dir, filepath.Dir(p))
			found = filepath.ToSlash(rel)
			return filepath.SkipAll
		}
		return nil
	})
	return found
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
