// Package golang is the Go preset: static binaries cross-compiled on the
// build platform, on scratch, distroless static or alpine.
package golang

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

// DefaultVersion is the Go toolchain used when the descriptor names none.
const DefaultVersion = "1.26"

const (
	modCache   = "/go/pkg/mod"
	buildCache = "/root/.cache/go-build"
	outDir     = "/out"
	appDir     = "/app"
)

var versionRE = regexp.MustCompile(`^1\.(2[1-9]|[3-9][0-9])(\.[0-9]+)?$`)

// Preset is the Go preset.
type Preset struct{}

// New returns the Go preset.
func New() Preset { return Preset{} }

// Language returns "go", the descriptor's language value.
func (Preset) Language() string { return "go" }

// Bases returns every base: the binary is static, so it runs on all of them.
func (Preset) Bases() []string { return base.Names(base.All()) }

// Plan builds the Plan for one target platform t: the build stage
// cross-compiles on t.Build, the final stage is on app.Preset, which must be
// one of Bases (presets.Registry.Plan checks it). Errors are
// *descriptor.Error at the key at fault (version, entrypoint, unused keys).
func (Preset) Plan(app *descriptor.App, t presets.Target) (llbgen.Plan, error) {
	version := app.Version
	if version == "" {
		version = DefaultVersion
	}
	if !versionRE.MatchString(version) {
		return llbgen.Plan{}, descriptor.Errorf(app, "version", "Go version %q is not supported; use 1.21 or later as MAJOR.MINOR or MAJOR.MINOR.PATCH (default %s)", version, DefaultVersion)
	}
	if err := presets.Unsupported(app, "go", map[string]bool{"build.script": true, "run.packages": true}); err != nil {
		return llbgen.Plan{}, err
	}
	pkg, args, err := entrypoint(app)
	if err != nil {
		return llbgen.Plan{}, err
	}
	name := path.Base(pkg)
	if pkg == "." {
		name = "app"
	}
	bin := appDir + "/" + name

	build := buildStage(app, t, version, pkg, name)
	plan := llbgen.Plan{Checks: checks(app, pkg)}
	uid, gid := presets.Owner(app)
	var final llbgen.Stage
	switch base.Base(app.Preset) {
	case base.Scratch:
		final = base.ScratchFinal{
			Reason: "scratch: nothing but the binary, CA certificates and account files",
			System: []llbgen.Step{base.CopyCABundle(build.Name)},
		}.Stage(uid, gid)
	case base.Distroless:
		final = llbgen.Stage{Name: "final", Reason: "distroless static: CA certificates, tzdata, passwd, no shell", Base: llbgen.Base{Image: base.DistrolessImage("static")}}
	case base.Alpine:
		// The accounts stage runs in the Go builder on the build platform,
		// so multi-platform alpine images need no emulation.
		plan.Stages = append(plan.Stages, base.AccountsFrom{
			Reason: "add the non-root user to alpine's account files without running on the target",
			Base:   llbgen.Base{Image: builderImage(version)},
			Where:  llbgen.OnBuild,
			Get:    base.CopyAlpineAccounts(),
		}.Stage(uid, gid))
		final = llbgen.Stage{Name: "final", Reason: "alpine: " + base.Alpine.Description(), Base: llbgen.Base{Image: base.AlpineImage}}
		final.Steps = base.UseAccounts("the non-root user, added without running anything on the target platform", uid, gid)
	}
	final.Where = llbgen.OnTarget
	final.Steps = append(final.Steps, presets.Includes(app, appDir)...)
	final.Steps = append(final.Steps, llbgen.Step{
		Reason: "the stripped static binary, last because it changes most often",
		Key:    "entrypoint",
		Copy:   &llbgen.Copy{From: build.Name, Src: []string{outDir + "/" + name}, Dest: bin},
	})
	plan.Stages = append([]llbgen.Stage{build}, plan.Stages...)
	plan.Stages = append(plan.Stages, final)
	plan.Image = presets.RuntimeConfig(app, append([]string{bin}, args...), appDir)
	return plan, nil
}

// entrypoint returns the main package and extra arguments.
func entrypoint(app *descriptor.App) (pkg string, args []string, err error) {
	if len(app.Entrypoint.Argv) > 0 {
		pkg, args = app.Entrypoint.Argv[0], app.Entrypoint.Argv[1:]
	} else {
		pkg = app.Entrypoint.Path
	}
	pkg = strings.TrimPrefix(path.Clean(pkg), "./")
	if pkg == "" || strings.HasPrefix(pkg, "/") || strings.HasPrefix(pkg, "..") {
		return "", nil, descriptor.Errorf(app, "entrypoint", "Go entrypoint must be a main package directory inside the build context, like \"./cmd/server\" or \".\"")
	}
	return pkg, args, nil
}

func checks(app *descriptor.App, pkg string) []llbgen.PathCheck {
	cs := []llbgen.PathCheck{{Key: "entrypoint", Path: pkg, Dir: true}}
	hasMod := false
	for i, d := range app.Deps {
		cs = append(cs, llbgen.PathCheck{Key: fmt.Sprintf("deps[%d]", i), Path: d, File: true})
		if path.Base(d) == "go.mod" {
			hasMod = true
		}
	}
	if !hasMod {
		cs = append(cs, llbgen.PathCheck{Key: "deps", Path: "go.mod", File: true})
	}
	return append(cs, presets.IncludeChecks(app)...)
}
