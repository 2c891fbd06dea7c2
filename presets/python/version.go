package python

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

// debianVersions are the Pythons the distroless and scratch presets build
// on: Debian trixie's own (debianVersion, with distroless python3-debian13)
// and the official python:<v>-slim-trixie images' (on distroless
// cc-debian13). Oldest first.
var debianVersions = []string{"3.11", "3.12", "3.13", "3.14"}

// versionsFor lists the MAJOR.MINOR versions preset b can build, oldest
// first.
func versionsFor(b base.Base) []string {
	if b == base.Alpine {
		return alpineVersions
	}
	return debianVersions
}

// versionChoice is the Python a plan uses and why.
type versionChoice struct {
	version string // MAJOR.MINOR, or the descriptor's value as given (pickFlavor checks it)
	source  string // "" (the descriptor or default), ".python-version" or "requires-python"
}

// chooseVersion picks the Python version of app's image: the descriptor's
// `version` (or SLIM_VERSION) when set; else the MAJOR.MINOR of the
// context's .python-version (next to the pyproject.toml in deps, else at
// the context root); else the newest version the preset provides that the
// requires-python of pyproject.toml (the one in deps, else the root's)
// allows; else DefaultVersion. files nil (no context at hand: goldens,
// `slim plan` without a directory) skips the files.
//
// Errors: an explicit version (or .python-version's) that requires-python
// excludes is a *descriptor.Error at the version key (or an error naming
// .python-version) that quotes the constraint with its file and line; a
// requires-python no provided version satisfies, a malformed
// requires-python or .python-version, or a context that cannot be read are
// errors naming the file (and line).
func chooseVersion(app *descriptor.App, files presets.ContextFiles) (versionChoice, error) {
	explicit := app.Version
	if files == nil {
		return versionChoice{version: explicit}, nil
	}
	dir := "."
	for _, d := range app.Deps {
		if path.Base(d) == "pyproject.toml" {
			dir = path.Dir(d)
			break
		}
	}
	req, err := readRequiresPython(files, path.Join(dir, "pyproject.toml"))
	if err != nil {
		return versionChoice{}, err
	}
	supported := versionsFor(base.Base(app.Preset))
	if explicit != "" {
		if req != nil && versionRE.MatchString(explicit) && !req.allowsMinor(explicit) {
			return versionChoice{}, descriptor.Errorf(app, "version",
				"Python %s is excluded by requires-python = %q (%s:%d); versions it allows here: %s",
				explicit, req.raw, req.file, req.line, req.allowedList(supported))
		}
		return versionChoice{version: explicit}, nil
	}
	pv, err := readPythonVersion(files, dir)
	if err != nil {
		return versionChoice{}, err
	}
	if pv != nil {
		if !slices.Contains(supported, pv.minor) {
			return versionChoice{}, fmt.Errorf("%s:%d: Python %s is not available with preset %q; valid: %s (or set version in %s)",
				pv.file, pv.line, pv.raw, app.Preset, strings.Join(supported, ", "), app.File)
		}
		if req != nil && !req.allowsMinor(pv.minor) {
			return versionChoice{}, fmt.Errorf("%s:%d: Python %s is excluded by requires-python = %q (%s:%d); versions it allows here: %s",
				pv.file, pv.line, pv.raw, req.raw, req.file, req.line, req.allowedList(supported))
		}
		return versionChoice{version: pv.minor, source: pv.file}, nil
	}
	if req != nil {
		for i := len(supported) - 1; i >= 0; i-- {
			if req.allowsMinor(supported[i]) {
				return versionChoice{version: supported[i], source: "requires-python"}, nil
			}
		}
		return versionChoice{}, fmt.Errorf("%s:%d: requires-python = %q allows none of the Pythons preset %q provides (%s); change it or the preset",
			req.file, req.line, req.raw, app.Preset, strings.Join(supported, ", "))
	}
	return versionChoice{}, nil
}

// readFile is files(name) with "missing" as nil, nil.
func readFile(files presets.ContextFiles, name string) ([]byte, error) {
	b, err := files(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s from the build context: %w", name, err)
	}
	return b, nil
}

// pinnedVersion is the Python a .python-version file names.
type pinnedVersion struct {
	file  string
	line  int
	raw   string // as written ("3.11.4")
	minor string // "3.11"
}

// pythonVersionRE matches what pyenv and uv write in .python-version for
// CPython: MAJOR.MINOR[.PATCH], with an optional "cpython-"/"python"
// prefix (uv's request syntax) and pre-release suffix.
var pythonVersionRE = regexp.MustCompile(`^(?:cpython-|python)?(3\.[0-9]+)(?:\.[0-9]+)?(?:(?:a|b|rc)[0-9]+)?$`)

// readPythonVersion reads .python-version in dir, else at the context
// root: its first line that is neither empty nor a comment (pyenv's and
// uv's format; uv writes one version per line and uses the first). nil when
// there is none; an error naming the file and line when the line is not a
// CPython version.
func readPythonVersion(files presets.ContextFiles, dir string) (*pinnedVersion, error) {
	names := []string{path.Join(dir, ".python-version")}
	if dir != "." {
		names = append(names, ".python-version")
	}
	for _, name := range names {
		b, err := readFile(files, name)
		if err != nil {
			return nil, err
		}
		if b == nil {
			continue
		}
		for i, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			m := pythonVersionRE.FindStringSubmatch(l)
			if m == nil {
				return nil, fmt.Errorf("%s:%d: %q is not a CPython version; write MAJOR.MINOR (\"3.12\") or MAJOR.MINOR.PATCH", name, i+1, l)
			}
			return &pinnedVersion{file: name, line: i + 1, raw: l, minor: m[1]}, nil
		}
	}
	return nil, nil
}

// requiresPython is the [project] requires-python of a pyproject.toml
// (PEP 621), parsed as PEP 440 version specifiers.
type requiresPython struct {
	file  string
	line  int
	raw   string
	specs []specifier
}

// specifier is one PEP 440 clause: an operator and a release (with a
// trailing ".*" for prefix matching).
type specifier struct {
	op       string // ==, !=, <=, >=, <, >, ~=, ===
	release  []int
	wildcard bool
}

// readRequiresPython reads requires-python from the pyproject.toml at name:
// nil when the file or the key is missing; an error naming the file and line
// when the file is not TOML or a clause is not a PEP 440 specifier.
func readRequiresPython(files presets.ContextFiles, name string) (*requiresPython, error) {
	b, err := readFile(files, name)
	if err != nil || b == nil {
		return nil, err
	}
	var py struct {
		Project struct {
			RequiresPython *string `toml:"requires-python"`
		} `toml:"project"`
	}
	if err := toml.Unmarshal(b, &py); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			return nil, fmt.Errorf("%s:%d: not valid TOML: %s", name, row, de.Error())
		}
		return nil, fmt.Errorf("%s: not valid TOML: %w", name, err)
	}
	if py.Project.RequiresPython == nil {
		return nil, nil
	}
	r := &requiresPython{file: name, line: keyLine(string(b), "requires-python"), raw: *py.Project.RequiresPython}
	for _, clause := range strings.Split(r.raw, ",") {
		s, err := parseSpecifier(strings.TrimSpace(clause))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: requires-python = %q: %v; write PEP 440 specifiers such as \">=3.11,<3.14\"", name, r.line, r.raw, err)
		}
		r.specs = append(r.specs, s)
	}
	return r, nil
}

// keyLine is the 1-based line of the first "key =" in src, 0 when absent.
func keyLine(src, key string) int {
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	for i, l := range strings.Split(src, "\n") {
		if re.MatchString(l) {
			return i + 1
		}
	}
	return 0
}

var specRE = regexp.MustCompile(`^(===|==|!=|<=|>=|~=|<|>)\s*v?([0-9]+(?:\.[0-9]+)*)(\.\*)?$`)

// parseSpecifier parses one clause. Pre-, post- and dev-release segments
// are refused: requires-python names interpreter releases.
func parseSpecifier(s string) (specifier, error) {
	m := specRE.FindStringSubmatch(s)
	if m == nil {
		return specifier{}, fmt.Errorf("%q is not a version specifier", s)
	}
	sp := specifier{op: m[1], wildcard: m[3] != ""}
	for _, p := range strings.Split(m[2], ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return specifier{}, fmt.Errorf("%q is not a version specifier", s)
		}
		sp.release = append(sp.release, n)
	}
	if sp.wildcard && sp.op != "==" && sp.op != "!=" {
		return specifier{}, fmt.Errorf("%q: .* is only valid with == and !=", s)
	}
	if sp.op == "~=" && len(sp.release) < 2 {
		return specifier{}, fmt.Errorf("%q: ~= needs at least MAJOR.MINOR", s)
	}
	return sp, nil
}

// allowsMinor reports whether some release of Python minor ("3.12"), one of
// 3.12.0 to 3.12.99, satisfies every clause: the image is whatever patch
// release the official image (or Debian) ships, so a minor is allowed
// when requires-python admits any of its releases.
func (r *requiresPython) allowsMinor(minor string) bool {
	maj, min, ok := splitMinor(minor)
	if !ok {
		return false
	}
	for patch := 0; patch < 100; patch++ {
		v := []int{maj, min, patch}
		if !slices.ContainsFunc(r.specs, func(s specifier) bool { return !s.matches(v) }) {
			return true
		}
	}
	return false
}

// allowedList is the versions of supported r allows, or "none".
func (r *requiresPython) allowedList(supported []string) string {
	var ok []string
	for _, v := range supported {
		if r.allowsMinor(v) {
			ok = append(ok, v)
		}
	}
	if len(ok) == 0 {
		return "none"
	}
	return strings.Join(ok, ", ")
}

func splitMinor(v string) (int, int, bool) {
	a, b, ok := strings.Cut(v, ".")
	if !ok {
		return 0, 0, false
	}
	maj, err1 := strconv.Atoi(a)
	min, err2 := strconv.Atoi(b)
	return maj, min, err1 == nil && err2 == nil
}

// matches applies one PEP 440 clause to the final release v.
func (s specifier) matches(v []int) bool {
	switch s.op {
	case "==", "!=":
		eq := cmpRelease(v, s.release) == 0
		if s.wildcard { // prefix match: v padded with zeros, cut to the prefix's length
			w := append(append([]int{}, v...), make([]int, max(0, len(s.release)-len(v)))...)
			eq = cmpRelease(w[:len(s.release)], s.release) == 0
		}
		return eq == (s.op == "==")
	case "===":
		return cmpRelease(v, s.release) == 0 && len(v) == len(s.release)
	case "<=":
		return cmpRelease(v, s.release) <= 0
	case ">=":
		return cmpRelease(v, s.release) >= 0
	case "<":
		return cmpRelease(v, s.release) < 0
	case ">":
		return cmpRelease(v, s.release) > 0
	case "~=": // >= V, == V[:-1].*
		prefix := s.release[:len(s.release)-1]
		return cmpRelease(v, s.release) >= 0 && len(v) >= len(prefix) && cmpRelease(v[:len(prefix)], prefix) == 0
	}
	return false
}

// cmpRelease compares release segments, the shorter padded with zeros
// (PEP 440: 3.12 == 3.12.0).
func cmpRelease(a, b []int) int {
	for i := 0; i < max(len(a), len(b)); i++ {
		x, y := 0, 0
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// versionNote is slim init's commented-out version line for an app in dir
// whose deps are deps: the version a build without the key would take and
// why (.python-version, requires-python or the default, as chooseVersion
// decides on distroless), or the problem with those files.
func versionNote(dir string, deps []string) string {
	line := func(v, why string) string {
		return fmt.Sprintf(`# version = "%s"     # Python MAJOR.MINOR; %s`, v, why)
	}
	app := &descriptor.App{File: "slim.toml", Language: "python", Preset: string(base.Distroless), Deps: deps}
	c, err := chooseVersion(app, presets.DirFiles(dir))
	switch {
	case err != nil:
		return line(DefaultVersion, "default "+DefaultVersion+"; but "+err.Error())
	case c.source == ".python-version":
		return line(c.version, "without it the build takes "+c.version+", as .python-version says")
	case c.source == "requires-python":
		return line(c.version, "without it the build takes "+c.version+", the newest pyproject.toml's requires-python allows")
	}
	return line(DefaultVersion, "default "+DefaultVersion)
}
