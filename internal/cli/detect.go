package cli

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// detection is what `slim init` found in an app directory. Entrypoint is
// either Path or Argv.
type detection struct {
	Language    string
	Path        string   // entrypoint as a path ("." "./cmd/server" "app.py")
	Argv        []string // entrypoint as an argv array
	EntryNote   string   // why this entrypoint
	Deps        []string
	DepsNote    string
	Port        int    // 0: not found
	PortNote    string // where the port was found
	BuildScript string // node: [build] script
	Notes       []string
	Ignore      []string // extra .dockerignore lines for this app
}

// initError is a detection failure the user resolves (exit 1).
type initError struct{ msg string }

func (e *initError) Error() string { return e.msg }

func errorf(format string, args ...any) error { return &initError{fmt.Sprintf(format, args...)} }

// manifests says which language each manifest file stands for.
var manifests = []struct{ file, lang string }{
	{"go.mod", "go"},
	{"requirements.txt", "python"},
	{"pyproject.toml", "python"},
	{"package.json", "node"},
}

// detect inspects dir. lang and entry, when not empty, are the user's
// --language and --entrypoint.
func detect(dir, lang, entry string) (*detection, error) {
	found := map[string][]string{}
	var langs []string
	for _, m := range manifests {
		if isFile(filepath.Join(dir, m.file)) {
			if found[m.lang] == nil {
				langs = append(langs, m.lang)
			}
			found[m.lang] = append(found[m.lang], m.file)
		}
	}
	switch {
	case lang != "" && found[lang] == nil:
		want := map[string]string{"go": "go.mod", "python": "requirements.txt or pyproject.toml", "node": "package.json"}[lang]
		if want == "" {
			return nil, errorf("--language %q: slim init knows go, python and node", lang)
		}
		return nil, errorf("--language %s: no %s in %s", lang, want, dir)
	case lang != "":
	case len(langs) == 0:
		return nil, errorf("%s has no go.mod, requirements.txt, pyproject.toml or package.json: slim init detects Go, Python and Node apps by their dependency manifest", dir)
	case len(langs) > 1:
		var seen []string
		for _, l := range langs {
			seen = append(seen, fmt.Sprintf("%s (%s)", l, strings.Join(found[l], ", ")))
		}
		return nil, errorf("%s looks like several languages: %s; choose one with --language %s", dir, strings.Join(seen, "; "), strings.Join(langs, "|"))
	default:
		lang = langs[0]
	}
	d := &detection{Language: lang}
	var err error
	switch lang {
	case "go":
		err = detectGo(dir, entry, d)
	case "python":
		err = detectPython(dir, entry, d)
	case "node":
		err = detectNode(dir, entry, d)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// portPatterns find a default port in source code: the first submatch is
// the port.
var portPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\bport\w*\s*:?=\s*["']?(\d{2,5})\b`),                                     // port = "8080"; PORT = 8000
	regexp.MustCompile(`(?i)["']PORT["']\s*,\s*["']?(\d{2,5})\b`),                                    // os.Getenv-style defaults: get("PORT", "8080")
	regexp.MustCompile(`(?i)\bPORT\b\s*\)?\s*(?:\|\||\?\?|\bor\b)\s*["']?(\d{2,5})\b`),               // process.env.PORT || 3000
	regexp.MustCompile(`(?:ListenAndServe(?:TLS)?|Listen|Addr:|\.run)\s*\(?\s*"[\w.\-]*:(\d{2,5})"`), // ListenAndServe(":8080")
	regexp.MustCompile(`\.listen\(\s*(\d{2,5})\b`),                                                   // app.listen(3000)
}

// findPort scans files (relative to dir) for a default port. It returns
// the port and the file it was found in when exactly one port shows up.
func findPort(dir string, files []string) (int, string) {
	ports := map[int]string{}
	for _, f := range files {
		b := readHead(filepath.Join(dir, f))
		for _, re := range portPatterns {
			for _, m := range re.FindAllSubmatch(b, -1) {
				if n, err := strconv.Atoi(string(m[1])); err == nil && n > 0 && n < 65536 {
					if _, ok := ports[n]; !ok {
						ports[n] = f
					}
				}
			}
		}
	}
	if len(ports) != 1 {
		return 0, ""
	}
	for n, f := range ports {
		return n, f
	}
	return 0, ""
}

// readHead reads at most 256 kB of a file; nil on error.
func readHead(p string) []byte {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, 256<<10)
	n, _ := f.Read(b)
	return b[:n]
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// skipDir says whether the source walk leaves a directory out.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
		name == "vendor" || name == "testdata" || name == "node_modules" || name == "__pycache__"
}

// ---- Go ----

var goBuildIgnore = regexp.MustCompile(`(?m)^//go:build\s+ignore\b`)
var goPackage = regexp.MustCompile(`(?m)^package\s+([A-Za-z_]\w*)`)

// goMains lists the directories (relative, slash-separated, "." for dir)
// holding a main package of the module at dir; nested modules are skipped.
func goMains(dir string) ([]string, error) {
	set := map[string]bool{}
	visited := 0
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if p != dir && (skipDir(e.Name()) || isFile(filepath.Join(p, "go.mod"))) {
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
		src := readHead(p)
		if goBuildIgnore.Match(src) {
			return nil
		}
		if m := goPackage.FindSubmatch(src); m != nil && string(m[1]) == "main" {
			rel, _ := filepath.Rel(dir, filepath.Dir(p))
			set[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	return sortedKeys(set), err
}

func goEntry(rel string) string {
	if rel == "." {
		return "."
	}
	return "./" + rel
}

func detectGo(dir, entry string, d *detection) error {
	d.Deps = []string{"go.mod"}
	if isFile(filepath.Join(dir, "go.sum")) {
		d.Deps = append(d.Deps, "go.sum")
	}
	d.DepsNote = "copied before the sources and downloaded with the module cache mounted: a code edit keeps them cached"
	mains, err := goMains(dir)
	if err != nil {
		return err
	}
	var main string
	switch {
	case entry != "":
		main = strings.TrimPrefix(path.Clean(filepath.ToSlash(entry)), "./")
		d.EntryNote = "the main package (from --entrypoint)"
	case contains(mains, "."):
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
			return errorf("%s: no main package (no .go file with `package main` outside tests); slim init needs the program to build", dir)
		case 1:
			main = pick[0]
			d.EntryNote = "the main package: the only one in the module"
			if len(cmds) == 1 {
				d.EntryNote = "the main package: the only one under cmd/"
			}
		default:
			var opts []string
			for _, m := range pick {
				opts = append(opts, goEntry(m))
			}
			return errorf("%s has several main packages: %s; choose one with --entrypoint, e.g. slim init --entrypoint %s", dir, strings.Join(opts, ", "), opts[0])
		}
	}
	d.Path = goEntry(main)
	var srcs []string
	if ents, err := os.ReadDir(filepath.Join(dir, main)); err == nil {
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
				srcs = append(srcs, path.Join(main, e.Name()))
			}
		}
	}
	d.Port, d.PortNote = findPort(dir, srcs)
	note := `# version = "1.26"     # Go toolchain, MAJOR.MINOR; default 1.26`
	if m := regexp.MustCompile(`(?m)^go\s+(\d+\.\d+)`).FindSubmatch(readHead(filepath.Join(dir, "go.mod"))); m != nil {
		note += fmt.Sprintf(" (go.mod says go %s)", m[1])
	}
	d.Notes = append(d.Notes, note)
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mentions reports whether any of files (relative to dir) names pkg as a
// dependency (a whole word, case-insensitive).
func mentions(dir string, files []string, pkg string) bool {
	re := regexp.MustCompile(`(?i)(^|[^\w-])` + regexp.QuoteMeta(pkg) + `([^\w-]|$)`)
	for _, f := range files {
		if re.Match(bytes.ToLower(readHead(filepath.Join(dir, f)))) {
			return true
		}
	}
	return false
}
