package bench

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/presets/all"
)

// App is one example app: built by hand-written Dockerfiles, by slimfront
// per preset and by the Dockerfile slimfront renders.
type App struct {
	Name     string
	Dir      string // examples/<name> (read-only: builds use copies)
	Language string
	Entry    string   // entrypoint path from slim.toml ("." / "cmd/server" / "app.py"), "" for argv
	Deps     []string // dependency manifests from slim.toml
	Presets  []string // presets the language supports, "" when the preset has not landed
	Preset   string   // the preset slim.toml names (quick mode builds only this one)
	// Cgo is slim.toml's `[build.env] CGO_ENABLED` ("" when not set): the
	// cgo-against-pure-Go section pairs an app with "1" and its
	// "<name>-purego" twin.
	Cgo string
	// OwnHand is set when the app's hand-written Dockerfiles are its own
	// (bench/handwritten/<app>/: the one its framework's docs recommend),
	// whose baseline the size goal "≤ 1.05 × baseline" compares with.
	OwnHand  bool
	Skip     string // why the app is not benchmarked
	Variants []*Variant
}

// Kinds of variants.
const (
	KindHand      = "hand-written"
	KindSlim      = "slimfront"
	KindRendered  = "rendered Dockerfile"
	KindReference = "reference"
)

// Variant is one way to build an app.
type Variant struct {
	App        *App
	Kind       string
	Name       string // level file stem ("5-scratch") or preset
	Dockerfile string // absolute path; empty for slimfront (slim.toml in the context)
	Preset     string
	Note       string // adaptation note (first comment line of the Dockerfile)
	Baseline   bool   // `# bench:baseline`: the seeds' best hand-written Dockerfile
	SizeOnly   bool   // `# bench:size-only`
	Result     Result
}

func (v *Variant) Label() string {
	switch v.Kind {
	case KindHand:
		return "hand: " + v.Name
	case KindReference:
		return "ref: " + v.Name
	case KindSlim:
		return "slimfront " + v.Preset
	}
	return "rendered " + v.Preset
}

// discover lists examples/*/slim.toml with their hand-written Dockerfiles:
// the app's own from bench/handwritten/<app>/ when it has some (the
// Dockerfile its framework's docs recommend), else its language's from
// bench/handwritten/<language>/.
func discover(root string) ([]*App, error) {
	files, err := filepath.Glob(filepath.Join(root, "examples", "*", "slim.toml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	reg := all.Registry()
	var apps []*App
	for _, f := range files {
		dir := filepath.Dir(f)
		a := &App{Name: filepath.Base(dir), Dir: dir}
		apps = append(apps, a)
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		// Parse without a registry first, so a language whose preset has
		// not landed yet still gets a name in the table.
		app, err := descriptor.Parse("slim.toml", src, descriptor.Options{})
		if err != nil {
			a.Skip = "slim.toml does not parse: " + firstLine(err.Error())
			continue
		}
		a.Language, a.Entry, a.Deps, a.Preset = app.Language, app.Entrypoint.Path, app.Deps, app.Preset
		for _, kv := range app.Build.Env {
			if kv.Key == "CGO_ENABLED" {
				a.Cgo = kv.Value
			}
		}
		if p, ok := reg.Lookup(app.Language); ok {
			a.Presets = p.Bases()
		} else {
			a.Skip = fmt.Sprintf("no %s preset registered yet", app.Language)
		}
		// an app's own hand-written Dockerfiles (a framework's documented
		// one: bench/handwritten/node-next-standalone/) replace its
		// language's generic levels
		hand, err := filepath.Glob(filepath.Join(root, "bench", "handwritten", a.Name, "*.Dockerfile"))
		if err != nil {
			return nil, err
		}
		a.OwnHand = len(hand) > 0
		if len(hand) == 0 {
			hand, err = filepath.Glob(filepath.Join(root, "bench", "handwritten", a.Language, "*.Dockerfile"))
			if err != nil {
				return nil, err
			}
		}
		sort.Strings(hand)
		for _, h := range hand {
			v, err := handVariant(a, h)
			if err != nil {
				return nil, err
			}
			if !a.OwnHand && !hasCopySources(h, a.Dir) {
				continue // a language's generic Dockerfile for another layout (requirements.txt, not pyproject.toml)
			}
			a.Variants = append(a.Variants, v)
		}
		for _, p := range a.Presets {
			a.Variants = append(a.Variants, &Variant{App: a, Kind: KindSlim, Name: p, Preset: p})
		}
	}
	return apps, nil
}

func handVariant(a *App, path string) (*Variant, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v := &Variant{App: a, Kind: KindHand, Name: strings.TrimSuffix(filepath.Base(path), ".Dockerfile"), Dockerfile: path}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "#") {
			break
		}
		c := strings.TrimSpace(strings.TrimPrefix(line, "#"))
		switch {
		case c == "bench:baseline":
			v.Baseline = true
		case c == "bench:size-only":
			v.SizeOnly, v.Kind = true, KindReference
		case c != "":
			v.Note = strings.TrimSpace(v.Note + " " + c)
		}
	}
	return v, sc.Err()
}

// onceOnly: size-only references and the non-baseline hand-written levels
// are measured in the first run only (their rebuild times are context; the
// ratios refer to the baseline). The table marks them with †.
func (v *Variant) onceOnly() bool {
	return v.SizeOnly || (v.Kind == KindHand && !v.Baseline)
}

// files counts the app's files (quick mode picks the smallest app).
func (a *App) files() int {
	n := 0
	_ = filepath.WalkDir(a.Dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// baseline is the app's hand-written Dockerfile the time ratios refer to.
func (a *App) baseline() *Variant {
	for _, v := range a.Variants {
		if v.Baseline && v.Result.ok() {
			return v
		}
	}
	return nil
}

// equivalent is the dockerfile.v0 build a slimfront variant's frontend
// overhead is measured against: the rendered Dockerfile of the same preset,
// else the hand-written level named after the preset.
func (a *App) equivalent(s *Variant) *Variant {
	var hand *Variant
	for _, v := range a.Variants {
		if !v.Result.ok() || len(v.Result.Noop) == 0 {
			continue
		}
		if v.Kind == KindRendered && v.Preset == s.Preset {
			return v
		}
		if v.Kind == KindHand && strings.Contains(v.Name, s.Preset) {
			hand = v
		}
	}
	return hand
}

// buildArgs are the build args hand-written Dockerfiles receive: PKG is the
// entrypoint as a Go package path (".", "./cmd/server"), ENTRY the path as is.
func (a *App) buildArgs() []string {
	if a.Entry == "" {
		return nil
	}
	pkg := a.Entry
	if pkg != "." {
		pkg = "./" + pkg
	}
	return []string{"--build-arg", "PKG=" + pkg, "--build-arg", "ENTRY=" + a.Entry}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// hasCopySources reports whether every file the Dockerfile at path copies
// from the build context (COPY lines without --from; "." and patterns
// always match) exists in the app directory dir: the languages' generic
// hand-written Dockerfiles copy requirements.txt or package-lock.json,
// which not every example has.
func hasCopySources(path, dir string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !strings.EqualFold(f[0], "COPY") || strings.HasPrefix(f[1], "--from") {
			continue
		}
		for _, src := range f[1 : len(f)-1] {
			if strings.HasPrefix(src, "--") || src == "." || strings.ContainsAny(src, "*?[") {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, src)); err != nil {
				return false
			}
		}
	}
	return true
}
