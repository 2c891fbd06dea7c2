package presets

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// LanguageInfo describes a language to the tools around the frontend
// (`slim init`, bench), so that none of them switches on language names.
type LanguageInfo struct {
	// Name is the language as prose, in messages: "Go", "Python".
	Name string
	// Markers are the files whose presence at the top of an app directory
	// says the app is in this language ("go.mod"; "requirements.txt",
	// "pyproject.toml"), in the order messages list them.
	Markers []string
	// SourceExt is the file name extension of the hand-written sources,
	// with the dot (".go"); bench edits such a file for its source-edit
	// rebuild measurement.
	SourceExt string
	// StaticBinary says the app compiles to one self-contained binary, so
	// bench holds the scratch image to the yardstick of that stripped
	// binary plus CA certificates (bench/handwritten/<language>/reference.Dockerfile).
	StaticBinary bool
}

// Detection is what `slim init` found in an app directory: the keys of the
// slim.toml it writes, each with the comment saying why. The entrypoint is
// either Path or Argv.
type Detection struct {
	// Language is the preset's Language(); Detect fills it in.
	Language  string
	Path      string   // entrypoint as a path ("." "./cmd/server" "app.py")
	Argv      []string // entrypoint as an argv array
	EntryNote string   // why this entrypoint, one line without "#"
	Deps      []string // the deps key: manifests and lockfiles, relative to the app
	DepsNote  string   // how they are installed, one line without "#"
	Port      int      // the port key; 0 when no default port shows in the code
	PortNote  string   // where the port was found
	// BuildScript is the [build] script key, "" for none; BuildNote is the
	// comment line above it (without "#").
	BuildScript string
	BuildNote   string
	// BuildEnv are the [build.env] keys slim init writes (Go's
	// CGO_ENABLED when a dependency has C code), in order.
	BuildEnv []EnvKey
	// Notes are whole comment lines ("# version = ...") written after the
	// keys.
	Notes []string
	// Ignore are .dockerignore lines this app needs besides the common ones
	// (a build output directory).
	Ignore []string
}

// EnvKey is one key of a table slim init writes, with the comment line
// above it (without "#") saying why.
type EnvKey struct{ Key, Value, Note string }

// Detect inspects the app in dir with the detectors of ps, which are tried
// in order: an app with the markers of several languages is an error that
// lists them, unless lang (the user's --language, "" for none) picks one.
// entry is the user's --entrypoint ("" to detect it); the preset
// interprets it (a main package, a script).
//
// The returned errors are meant for the user as they are (they say what to
// do); they are never *descriptor.Error.
func Detect(dir, lang, entry string, ps []Preset) (*Detection, error) {
	found := map[string][]string{} // language -> markers present
	var langs, names, markers, known []string
	var chosen Preset
	for _, p := range ps {
		info := p.Info()
		known = append(known, p.Language())
		names = append(names, info.Name)
		markers = append(markers, info.Markers...)
		for _, m := range info.Markers {
			if IsFile(filepath.Join(dir, m)) {
				found[p.Language()] = append(found[p.Language()], m)
			}
		}
		if found[p.Language()] != nil {
			langs = append(langs, p.Language())
		}
		if p.Language() == lang {
			chosen = p
		}
	}
	switch {
	case lang != "" && chosen == nil:
		return nil, fmt.Errorf("--language %q: slim init knows %s", lang, list(known, "and"))
	case lang != "" && found[lang] == nil:
		return nil, fmt.Errorf("--language %s: no %s in %s", lang, strings.Join(chosen.Info().Markers, " or "), dir)
	case lang != "":
	case len(langs) == 0:
		return nil, fmt.Errorf("%s has no %s: slim init detects %s apps by their dependency manifest", dir, list(markers, "or"), list(names, "and"))
	case len(langs) > 1:
		var seen []string
		for _, l := range langs {
			seen = append(seen, fmt.Sprintf("%s (%s)", l, strings.Join(found[l], ", ")))
		}
		return nil, fmt.Errorf("%s looks like several languages: %s; choose one with --language %s", dir, strings.Join(seen, "; "), strings.Join(langs, "|"))
	default:
		lang = langs[0]
		for _, p := range ps {
			if p.Language() == lang {
				chosen = p
			}
		}
	}
	d, err := chosen.Detect(dir, entry)
	if err != nil {
		return nil, err
	}
	d.Language = chosen.Language()
	return d, nil
}

// list joins words as prose: "a", "a or b", "a, b or c".
func list(words []string, conj string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// Helpers for detectors.

// portPatterns find a default port in source code: the first submatch is
// the port.
var portPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\bport\w*\s*:?=\s*["']?(\d{2,5})\b`),                                     // port = "8080"; PORT = 8000
	regexp.MustCompile(`(?i)["']PORT["']\s*,\s*["']?(\d{2,5})\b`),                                    // os.Getenv-style defaults: get("PORT", "8080")
	regexp.MustCompile(`(?i)\bPORT\b\s*\)?\s*(?:\|\||\?\?|\bor\b)\s*["']?(\d{2,5})\b`),               // process.env.PORT || 3000
	regexp.MustCompile(`(?:ListenAndServe(?:TLS)?|Listen|Addr:|\.run)\s*\(?\s*"[\w.\-]*:(\d{2,5})"`), // ListenAndServe(":8080")
	regexp.MustCompile(`\.listen\(\s*(\d{2,5})\b`),                                                   // app.listen(3000)
}

// FindPort scans files (paths relative to dir; unreadable ones count as
// empty) for a default TCP port in the code (`PORT || 3000`,
// `Getenv("PORT") ... "8080"`, `ListenAndServe(":8080")`). It returns the
// port and the first file it shows up in when exactly one port number shows
// up in all of them, else 0 and "".
func FindPort(dir string, files []string) (port int, file string) {
	ports := map[int]string{}
	for _, f := range files {
		b := ReadHead(filepath.Join(dir, f))
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

// ReadHead returns the first 256 KiB of the file at p (all of a smaller
// one), or nil when it cannot be read.
func ReadHead(p string) []byte {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, 256<<10)
	n, _ := f.Read(b)
	return b[:n]
}

// IsFile reports whether p is a regular file (following symlinks).
func IsFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// SkipDir reports whether a detector's source walk leaves out the
// directory named name: hidden and "_" directories, vendor, testdata,
// node_modules, __pycache__.
func SkipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
		name == "vendor" || name == "testdata" || name == "node_modules" || name == "__pycache__"
}

// Mentions reports whether any of files (relative to dir) names pkg as a
// dependency: as a whole word, case-insensitively, where a word may
// contain "-" (so "gunicorn" is not found in "gunicorn-extra").
func Mentions(dir string, files []string, pkg string) bool {
	re := regexp.MustCompile(`(?i)(^|[^\w-])` + regexp.QuoteMeta(pkg) + `([^\w-]|$)`)
	for _, f := range files {
		if re.Match(bytes.ToLower(ReadHead(filepath.Join(dir, f)))) {
			return true
		}
	}
	return false
}
