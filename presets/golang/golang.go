// Package golang is the Go preset: binaries cross-compiled on the build
// platform, static (CGO_ENABLED=0) on scratch, distroless static or
// alpine, or with cgo (`[build.env] CGO_ENABLED = "1"`) against glibc
// (distroless base, scratch with the library closure) or musl (alpine).
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

// Preset is the Go preset. Without the build context it plans from the
// descriptor alone; WithContext gives it the context's files, from which
// it sees vendor/modules.txt (a vendored, offline build; see vendorManifest).
type Preset struct {
	files presets.ContextFiles
}

// New returns the Go preset.
func New() Preset { return Preset{} }

// WithContext returns the preset reading vendor/modules.txt of the build
// context through files (presets.ContextPlanner).
func (Preset) WithContext(files presets.ContextFiles) presets.Preset { return Preset{files: files} }

// Language returns "go", the descriptor's language value.
func (Preset) Language() string { return "go" }

// Bases returns every base: the binary is static, so it runs on all of them.
func (Preset) Bases() []string { return base.Names(base.All()) }

// Plan builds the Plan for one target platform t: the build stage
// cross-compiles on t.Build, the final stage is on app.Preset, which must be
// one of Bases (presets.Registry.Plan checks it). Errors are
// *descriptor.Error at the key at fault (version, entrypoint, unused keys).
func (p Preset) Plan(app *descriptor.App, t presets.Target) (llbgen.Plan, error) {
	version := app.Version
	if version == "" {
		version = DefaultVersion
	}
	if !versionRE.MatchString(version) {
		return llbgen.Plan{}, descriptor.Errorf(app, "version", "Go version %q is not supported; use 1.21 or later as MAJOR.MINOR or MAJOR.MINOR.PATCH (default %s)", version, DefaultVersion)
	}
	if err := presets.Unsupported(app, "go", map[string]bool{"build.script": true, "run.sourceless": true}); err != nil {
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
	if err := checkGoflags(app); err != nil {
		return llbgen.Plan{}, err
	}
	cgo := false
	switch v := cgoSetting(app); v {
	case "", "0":
	case "1":
		cgo = true
	default:
		return llbgen.Plan{}, descriptor.Errorf(app, cgoKey, "CGO_ENABLED must be \"1\" (build with cgo: gcc in the build stage, a C library in the image) or \"0\" (pure Go, static), got %q", v)
	}
	var cgoEnv []llbgen.KV
	var cgoPkgs []string
	if cgo {
		if cgoEnv, cgoPkgs, err = cgoToolchain(app, t); err != nil {
			return llbgen.Plan{}, err
		}
	}

	vend, err := p.vendored(app)
	if err != nil {
		return llbgen.Plan{}, err
	}
	build := buildStage(app, t, version, pkg, name, cgo, vend, cgoEnv, cgoPkgs)
	plan := llbgen.Plan{Checks: checks(app, pkg)}
	uid, gid := presets.Owner(app)
	var final llbgen.Stage
	switch b := base.Base(app.Preset); b {
	case base.Scratch:
		sf := base.ScratchFinal{
			Reason: "scratch: nothing but the binary, CA certificates and account files",
			System: []llbgen.Step{base.CopyCABundle(build.Name)},
		}
		if cgo {
			libs := cgoLibs(app, t, build.Name, name, bin, "")
			plan.Stages = append(plan.Stages, libs...)
			sf.Reason = cgoFinalReason(b)
			sf.System = append(sf.System, presets.CopyClosure(libs[len(libs)-1].Name))
		}
		final = sf.Stage(uid, gid)
	case base.Distroless:
		final = llbgen.Stage{Name: "final", Reason: "distroless static: CA certificates, tzdata, passwd, no shell", Base: llbgen.Base{Image: base.DistrolessImage("static")}}
		if cgo {
			img := base.DistrolessImage("base")
			libs := cgoLibs(app, t, build.Name, name, bin, img)
			plan.Stages = append(plan.Stages, libs...)
			final = llbgen.Stage{Name: "final", Reason: cgoFinalReason(b), Base: llbgen.Base{Image: img},
				Steps: []llbgen.Step{presets.CopyClosure(libs[len(libs)-1].Name)}}
		}
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
		if cgo {
			final.Reason = cgoFinalReason(b)
		}
		final.Steps = base.UseAccounts("the non-root user, added without running anything on the target platform", uid, gid)
	}
	final.Where = llbgen.OnTarget
	final.Steps = append(final.Steps, presets.Includes(app, appDir)...)
	binReason := "the stripped static binary, last because it changes most often"
	if cgo {
		binReason = "the stripped cgo binary, last because it changes most often"
	}
	final.Steps = append(final.Steps, llbgen.Step{
		Reason: binReason,
		Key:    "entrypoint",
		Copy:   &llbgen.Copy{From: build.Name, Src: []string{outDir + "/" + name}, Dest: bin},
	})
	plan.Stages = append([]llbgen.Stage{build}, plan.Stages...)
	plan.Stages = append(plan.Stages, final)
	plan.Image = presets.RuntimeConfig(app, append([]string{bin}, args...), appDir)
	return plan, nil
}

// checkGoflags refuses -ldflags and -tags in `[build.env] GOFLAGS`: the
// go command lets the command line's own -ldflags/-tags replace GOFLAGS'
// (go help environment), so they would be dropped without a word; [build]
// ldflags and tags are merged with the preset's flags instead.
func checkGoflags(app *descriptor.App) error {
	for _, kv := range app.Build.Env {
		if kv.Key != "GOFLAGS" {
			continue
		}
		for _, f := range strings.Fields(kv.Value) {
			for _, flag := range []string{"ldflags", "tags"} {
				if strings.HasPrefix(f, "-"+flag) || strings.HasPrefix(f, "--"+flag) {
					return descriptor.Errorf(app, "build.env.GOFLAGS", "GOFLAGS %s: the preset passes its own -%s, which replaces this one; write it as [build] %s = %s instead, merged with the preset's", f, flag, flag, map[string]string{"ldflags": `"-X main.version=${VERSION:-dev}"`, "tags": `["netgo"]`}[flag])
				}
			}
		}
	}
	return nil
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
