package presets

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets/base"
)

// Target is what a Plan is made for.
type Target struct {
	Build    ocispecs.Platform // where compilers run
	Platform ocispecs.Platform // what the image is for
	// Debug asks for the debug variant (build arg SLIM_DEBUG=1): the same
	// image plus a busybox shell, applied by Registry.Plan for every
	// language (base.Debug); presets ignore it.
	Debug bool
}

// Preset knows how to build one language on each base it supports.
type Preset interface {
	Language() string
	// Bases lists the bases (preset key values) it supports, as
	// base.Names of base.Base values ("alpine", "distroless", "scratch").
	// Registry.Plan checks a descriptor's preset against it, so Plan is
	// only called with one of these.
	Bases() []string
	// Plan turns a validated descriptor into a Plan for one target. Errors
	// about the descriptor are *descriptor.Error so they carry a location.
	Plan(app *descriptor.App, t Target) (llbgen.Plan, error)
	// Info describes the language to slim init and bench (see detect.go).
	Info() LanguageInfo
	// Detect is slim init's look at an app in dir whose markers
	// (Info().Markers) are present: what its slim.toml should say. entry
	// is the user's --entrypoint, "" to detect it. Errors are for the user
	// as they are and say what to do (see Detect in detect.go).
	Detect(dir, entry string) (*Detection, error)
}

// Registry holds presets by language.
type Registry struct{ byLang map[string]Preset }

// NewRegistry registers presets; a language registered twice panics at
// start-up (a programming error, never user input).
func NewRegistry(ps ...Preset) *Registry {
	r := &Registry{byLang: map[string]Preset{}}
	for _, p := range ps {
		if _, dup := r.byLang[p.Language()]; dup {
			panic("presets: language registered twice: " + p.Language())
		}
		r.byLang[p.Language()] = p
	}
	return r
}

// Lookup returns the preset for a language.
func (r *Registry) Lookup(lang string) (Preset, bool) {
	p, ok := r.byLang[lang]
	return p, ok
}

// Languages lists the registered languages, sorted.
func (r *Registry) Languages() []string {
	return slices.Sorted(maps.Keys(r.byLang))
}

// Bases lists every base any registered preset supports, sorted by name.
func (r *Registry) Bases() []base.Base {
	set := map[base.Base]bool{}
	for _, p := range r.byLang {
		for _, b := range p.Bases() {
			set[base.Base(b)] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Options for descriptor.Parse from this registry: the registered
// languages and bases are the valid language and preset values.
func (r *Registry) Options(overrides map[string]string) descriptor.Options {
	return descriptor.Options{Languages: r.Languages(), Presets: base.Names(r.Bases()), Overrides: overrides}
}

// Plan validates the language/base pair, asks the preset for a Plan and
// applies what every language shares: the `[run] healthcheck` (image
// config and, for an HTTP path, the probe; withHealthcheck), `[run]
// writable` (withWritable), the debug
// variant when t.Debug is set (base.Debug), `[run] packages` on every base
// (withRunPackages) and the start check.
func (r *Registry) Plan(app *descriptor.App, t Target) (llbgen.Plan, error) {
	p, ok := r.Lookup(app.Language)
	if !ok {
		return llbgen.Plan{}, descriptor.Errorf(app, "language", "unknown language %q; valid: %s", app.Language, strings.Join(r.Languages(), ", "))
	}
	if !slices.Contains(p.Bases(), app.Preset) {
		return llbgen.Plan{}, descriptor.Errorf(app, "preset", "preset %q is not available for %s; valid: %s", app.Preset, app.Language, strings.Join(p.Bases(), ", "))
	}
	plan, err := p.Plan(app, t)
	if err != nil {
		return plan, err
	}
	if plan, err = withHealthcheck(plan, app, t); err != nil {
		return plan, err
	}
	plan = withWritable(plan, app)
	plan = withRunPackages(plan, app, t)
	return withStartCheck(withDebug(plan, t), t), nil
}

// DefaultBase is the preset used when the descriptor names none: distroless
// has CA certificates, tzdata and a non-root user, and no shell.
const DefaultBase = string(base.Distroless)

// AppDir is the app directory of every preset's image: the sources
// (Python, Node) or the binary (Go) are there, and `[run] writable` paths
// are relative to it.
const AppDir = "/app"

// withWritable applies `[run] writable` for every language: each directory
// is created at the start of the final stage, owned by the runtime user
// (its parents root's), and declared as a volume in the image config
// (AppDir/<dir>). Being first, the directories exist before any of the
// preset's own copies into the app directory, and a copy never changes
// the owner of a directory that exists, so they stay the user's. What the
// sources put in them is the preset's to give the user: Python's app
// stage chowns it, Node copies it with the user as owner (Go copies no
// sources).
func withWritable(plan llbgen.Plan, app *descriptor.App) llbgen.Plan {
	if len(app.Run.Writable) == 0 || len(plan.Stages) == 0 {
		return plan
	}
	fi := len(plan.Stages) - 1
	for fi > 0 && plan.Stages[fi].Verify {
		fi--
	}
	final := plan.Stages[fi]
	var steps []llbgen.Step
	for _, d := range app.Run.Writable {
		dir := path.Join(AppDir, d)
		steps = append(steps, llbgen.Step{
			Reason: "[run] writable: where the app keeps state, owned by the runtime user (the rest of " + AppDir + " stays root's)",
			Key:    "run.writable",
			Dir:    &llbgen.Dir{Path: dir, Mode: 0o755, Chown: UserString(app)},
		})
		plan.Image.Volumes = append(plan.Image.Volumes, dir)
	}
	final.Steps = append(steps, final.Steps...)
	plan.Stages = append(slices.Clone(plan.Stages[:fi]), append([]llbgen.Stage{final}, plan.Stages[fi+1:]...)...)
	return plan
}

// DefaultUID is the non-root user every final image runs as unless the
// descriptor says otherwise (distroless's "nonroot").
const DefaultUID = 65532

// Owner returns the uid and gid of the descriptor's user (default 65532).
func Owner(app *descriptor.App) (uid, gid int) {
	if app.User == "" {
		return DefaultUID, DefaultUID
	}
	uid, gid, err := llbgen.ParseOwner(app.User)
	if err != nil { // the descriptor validates this; keep the safe default
		return DefaultUID, DefaultUID
	}
	return uid, gid
}

// UserString is Owner as "uid:gid".
func UserString(app *descriptor.App) string {
	uid, gid := Owner(app)
	return strconv.Itoa(uid) + ":" + strconv.Itoa(gid)
}

// RuntimeConfig fills the parts of the final image config every language
// shares: user, working dir, env, port.
func RuntimeConfig(app *descriptor.App, entrypoint []string, defaultDir string) llbgen.ImageConfig {
	c := llbgen.ImageConfig{Entrypoint: entrypoint, Cmd: []string{}, User: UserString(app), Dir: defaultDir}
	if app.Workdir != "" {
		c.Dir = app.Workdir
	}
	for _, kv := range app.Env {
		c.Env = append(c.Env, llbgen.KV{Key: kv.Key, Value: kv.Value})
	}
	if app.Port != 0 {
		c.Ports = []string{strconv.Itoa(app.Port) + "/tcp"}
		c.Env = append(c.Env, llbgen.KV{Key: "PORT", Value: strconv.Itoa(app.Port)})
	}
	c.Labels = []llbgen.KV{
		{Key: "dev.slimfront.language", Value: app.Language},
		{Key: "dev.slimfront.preset", Value: app.Preset},
	}
	return c
}

// Includes returns copy steps for [run] include paths into dir.
func Includes(app *descriptor.App, dir string) []llbgen.Step {
	var steps []llbgen.Step
	for i, inc := range app.Run.Include {
		steps = append(steps, llbgen.Step{
			Reason: "extra runtime files the descriptor asked for",
			Key:    fmt.Sprintf("run.include[%d]", i),
			Copy:   &llbgen.Copy{From: llbgen.Context, Src: []string{inc}, Dest: strings.TrimSuffix(dir, "/") + "/" + strings.TrimSuffix(inc, "/") + suffixFor(inc)},
		})
	}
	return steps
}

func suffixFor(p string) string {
	if strings.HasSuffix(p, "/") {
		return "/"
	}
	return ""
}

// IncludeChecks returns the context checks for [run] include paths.
func IncludeChecks(app *descriptor.App) []llbgen.PathCheck {
	var out []llbgen.PathCheck
	for i, inc := range app.Run.Include {
		out = append(out, llbgen.PathCheck{Key: fmt.Sprintf("run.include[%d]", i), Path: inc})
	}
	return out
}
