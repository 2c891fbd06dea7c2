package presets

import (
	"fmt"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
)

// BuildArg is one build arg the frontend reads (`--build-arg NAME=value`).
type BuildArg struct {
	Name string
	// Key is the descriptor key the build arg overrides ("" when it does
	// not override a key).
	Key         string
	Description string
}

// BuildArgs lists every build arg slimfront reads, in the order `docker
// buildx build --call outline` shows them. It is the one place the
// SLIM_PRESET/SLIM_VERSION -> descriptor key mapping is written; the
// frontend, the CLI flags (--preset, --version) and the CI-recipe checker
// all read it from here.
var BuildArgs = []BuildArg{
	{Name: "SLIM_PRESET", Key: "preset", Description: "final image base, overrides the descriptor's preset (scratch, distroless, alpine)"},
	{Name: "SLIM_VERSION", Key: "version", Description: "toolchain version, overrides the descriptor's version"},
	{Name: "SLIM_ENTRYPOINT", Key: "entrypoint", Description: "the program to build and run (Go: a main package such as ./cmd/worker), overrides the descriptor's entrypoint"},
	{Name: DebugBuildArg, Description: "1: the debug variant, the same image plus a busybox shell at /busybox (label dev.slimfront.debug=true); never the default"},
	{Name: "SLIM_SOURCE", Description: "org.opencontainers.image.source label (default: buildx's git remote)"},
	{Name: "SLIM_REVISION", Description: "org.opencontainers.image.revision label (default: buildx's git commit)"},
	{Name: "SOURCE_DATE_EPOCH", Description: "seconds since 1970 for reproducible timestamps and the created label"},
}

// BuildArgFor returns the name of the build arg that overrides a descriptor
// key ("preset" -> "SLIM_PRESET"), or "" when none does.
func BuildArgFor(key string) string {
	for _, a := range BuildArgs {
		if a.Key == key {
			return a.Name
		}
	}
	return ""
}

// Overrides maps build args (name -> value, as `--build-arg` gives them) to
// the descriptor keys they override. Empty values override nothing, as
// with Dockerfile ARGs given no value. Build args slimfront does not read
// are ignored here (BuildKit passes every --build-arg to every frontend).
func Overrides(buildArgs map[string]string) map[string]string {
	out := map[string]string{}
	for _, a := range BuildArgs {
		if v := buildArgs[a.Name]; a.Key != "" && v != "" {
			out[a.Key] = v
		}
	}
	return out
}

// Request is one descriptor to load and plan.
type Request struct {
	// File is the descriptor's name as shown in messages ("slim.toml").
	File string
	// Source is the descriptor's bytes.
	Source []byte
	// BuildArgs are the build args of the build (name -> value); the ones
	// in BuildArgs that override keys are applied after parsing.
	BuildArgs map[string]string
	// Build is the platform build stages run on (BuildKit's BUILDPLATFORM).
	Build ocispecs.Platform
	// Targets are the platforms of the images (BuildKit's TARGETPLATFORM),
	// one Plan each. Empty means one image for Build. A target whose OS
	// is a build-time placeholder ("$TARGETOS", for the portable Dockerfile
	// that `slim dockerfile` renders) is planned as given.
	Targets []ocispecs.Platform
	// Files reads the build context's files for presets that choose from
	// them (ContextPlanner: the Python version from .python-version or
	// requires-python); nil plans from the descriptor alone.
	Files ContextFiles
}

// Loaded is a descriptor with its defaults applied and one Plan per target.
type Loaded struct {
	// App is a copy of the parsed descriptor with the defaults every
	// preset needs filled in (preset = distroless when not given). Its
	// source ranges still describe the file as written.
	App     *descriptor.App
	Targets []Target
	Plans   []llbgen.Plan // Plans[i] is for Targets[i]
}

// Load is the one way from descriptor bytes to Plans, used by the frontend,
// the CLI (plan, llb, dockerfile, init, build), the CI-recipe checker and
// the benchmarks, so they cannot disagree. It parses and validates the
// descriptor against the registered languages and bases, applies build-arg
// overrides, applies defaults to a copy, checks each target is a Linux
// platform and that the language supports the base, and plans every target.
//
// Errors: a *descriptor.Error (located at the file's line and key) for a bad
// descriptor, an unsupported language/base pair, a version the base
// cannot provide or a health-check probe the target has none of; a plain
// error naming the platform for a non-Linux target, or the build arg for a
// bad SLIM_DEBUG value; a preset's error about a context file it read
// through req.Files (naming that file and line).
// Plans are made sequentially; the returned values are never shared with
// another Load.
func (r *Registry) Load(req Request) (*Loaded, error) {
	opts := r.Options(Overrides(req.BuildArgs))
	opts.BuildArgs = req.BuildArgs // ${NAME} in [build] ldflags
	parsed, err := descriptor.Parse(req.File, req.Source, opts)
	if err != nil {
		return nil, err
	}
	app := r.withDefaults(parsed)
	debug, err := parseDebug(req.BuildArgs)
	if err != nil {
		return nil, err
	}
	build := platforms.Normalize(req.Build)
	targets := req.Targets
	if len(targets) == 0 {
		targets = []ocispecs.Platform{build}
	}
	out := &Loaded{App: app}
	r = r.withContext(req.Files)
	for _, p := range targets {
		if !isPlaceholder(p) {
			p = platforms.Normalize(p)
			if p.OS != "linux" {
				return nil, fmt.Errorf("platform %s is not supported: slimfront builds Linux images (e.g. --platform linux/amd64,linux/arm64)", platforms.Format(p))
			}
		}
		t := Target{Build: build, Platform: p, Debug: debug}
		plan, err := r.Plan(app, t)
		if err != nil {
			return nil, err
		}
		out.Targets = append(out.Targets, t)
		out.Plans = append(out.Plans, plan)
	}
	return out, nil
}

// isPlaceholder reports whether p names the platform by Dockerfile
// variables ($TARGETOS/$TARGETARCH) instead of values.
func isPlaceholder(p ocispecs.Platform) bool {
	return strings.HasPrefix(p.OS, "$") || strings.HasPrefix(p.Architecture, "$")
}

// withDefaults returns a copy of app with the keys every preset needs
// filled in; app itself is left as parsed.
func (r *Registry) withDefaults(app *descriptor.App) *descriptor.App {
	c := *app
	if c.Preset == "" {
		c.Preset = DefaultBase
	}
	return &c
}

// LinuxHost is this machine's platform with the OS set to linux: the
// build platform for offline plans (slim plan, llb, dockerfile, init), since
// BuildKit workers that run build stages are Linux even when the CLI runs
// on macOS or Windows.
func LinuxHost() ocispecs.Platform {
	p := platforms.Normalize(platforms.DefaultSpec())
	p.OS = "linux"
	return p
}

// KnownBuildArg reports whether slimfront reads the build arg name, and
// when it does not, an error listing the ones it reads (for checkers that
// want to refuse typos such as SLIM_PRESETS).
func KnownBuildArg(name string) error {
	names := make([]string, len(BuildArgs))
	for i, a := range BuildArgs {
		names[i] = a.Name
	}
	if slices.Contains(names, name) {
		return nil
	}
	return fmt.Errorf("build arg %s: the frontend reads %s", name, strings.Join(names, ", "))
}
