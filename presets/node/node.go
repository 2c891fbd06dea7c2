// Package node is the Node.js preset: production dependencies installed from
// the lockfile (npm, Yarn 1 or 2+, pnpm; the version package.json's
// packageManager declares, through corepack; workspace members; the app's
// own lifecycle scripts skipped: install.go) in a builder stage, an optional
// build script run with the dev dependencies, and a final image on
// distroless nodejs, scratch (the node binary and exactly its shared
// libraries) or alpine. A Next.js standalone server ships alone with its
// assets. npm, yarn, pnpm and corepack never reach the final image.
package node

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

// DefaultVersion is the Node major used when the descriptor names none.
const DefaultVersion = "22"

// Versions are the Node majors with a distroless nodejs image.
var Versions = []string{"22", "24"}

const (
	appDir = "/app"
	// nodeBin is where the node binary sits in distroless and scratch
	// images (distroless's own path).
	nodeBin = "/nodejs/bin/node"
	// signalsFile is the preload that makes node as PID 1 exit on
	// SIGTERM/SIGINT when the app has no handler of its own.
	signalsFile = "/usr/lib/slimfront/signals.cjs"
)

// Preset is the Node preset. It plans from the descriptor alone;
// WithContext gives it the build context's files, from which a cross build
// reads the npm lockfile to leave out the cross compiler when no
// dependency can build an addon (mayBuildAddons).
type Preset struct {
	files presets.ContextFiles
}

// WithContext returns the preset reading the npm lockfile through files
// (presets.ContextPlanner).
func (Preset) WithContext(files presets.ContextFiles) presets.Preset { return Preset{files: files} }

// New returns the Node preset.
func New() Preset { return Preset{} }

// The production dependency trees (node_modules of the root and of
// workspace members, with pnpm's relative symlinks) are the closure
// stage's Trees: appDir of the install stage, which holds only manifests
// and node_modules (the sources come later). Every base takes them from
// the closure stage, which leaves out foreign prebuilds (another libc or
// architecture).

// nodeModulesWhat names it in step reasons.
const nodeModulesWhat = "production dependencies only, from the lockfile,"

// Language returns "node", the descriptor's language value.
func (Preset) Language() string { return "node" }

// Bases returns every base: distroless nodejs, scratch with node and its
// shared-library closure, and alpine with node from the alpine builder.
func (Preset) Bases() []string { return base.Names(base.All()) }

// Plan builds the Plan for one target platform t, with the final stage on
// app.Preset, which must be one of Bases (presets.Registry.Plan checks it).
// Natively, dependencies with native addons compile in the builder, so
// builder stages run on the target platform (like `npm ci` in a
// Dockerfile). For another CPU (crossTarget) they run on the build
// platform, without emulation: the production install picks the target's
// prebuilt addons and runs no install script, addons without a prebuild
// are compiled with Debian's cross toolchain for glibc targets (an error
// for musl ones), and the node binary comes from the target's image, read
// as data (cross.go). Errors are
// *descriptor.Error at the key at fault (version, entrypoint, deps).
func (p Preset) Plan(app *descriptor.App, t presets.Target) (llbgen.Plan, error) {
	version := app.Version
	if version == "" {
		version = DefaultVersion
	}
	if !slices.Contains(Versions, version) {
		return llbgen.Plan{}, descriptor.Errorf(app, "version", "Node version %q is not supported; valid: %s (a major version; default %s)", version, strings.Join(Versions, ", "), DefaultVersion)
	}
	if err := presets.Unsupported(app, "node", map[string]bool{"run.sourceless": true}); err != nil {
		return llbgen.Plan{}, err
	}
	script, args, err := entrypoint(app)
	if err != nil {
		return llbgen.Plan{}, err
	}
	pm, deps, err := packageManager(app)
	if err != nil {
		return llbgen.Plan{}, err
	}
	b := newBuild(app, version, pm, deps, script)
	b.cross, b.targetEnv = crossTarget(t, b.alpine)
	if b.cross {
		b.cc = compilerFor(t, b.alpine)
		if b.cc != nil {
			if ok, why := mayBuildAddons(p.files, pm, deps); !ok {
				// checkTarget's error says why there is no compiler
				b.cc = nil
				b.targetEnv = append(b.targetEnv, llbgen.KV{Key: "SLIM_CROSS_NONE", Value: why})
			}
		}
		if b.cc != nil {
			b.targetEnv = append(b.targetEnv, llbgen.KV{Key: "SLIM_CROSS_CXX", Value: b.cc.triplet + "-g++"})
		}
	}
	out := findServerOutput(script)
	b.output = out
	if out != nil {
		if app.Build.Script == "" {
			return llbgen.Plan{}, descriptor.Errorf(app, "entrypoint", "%s is the server a %s build writes (%s): add [build] script = \"build\" (the package.json script that runs the framework's build)", script, out.Framework, out.Setting)
		}
		// the server carries its own traced node_modules: no production
		// install, the closure reads the build's output
		b.prodStage = "build"
	}
	plan := llbgen.Plan{Checks: checks(app, script, deps)}
	plan.Stages = b.stages()
	trees := []string{appDir}
	if out != nil {
		trees = []string{appDir + "/" + out.Dir}
	}
	uid, gid := presets.Owner(app)

	node := nodeBin
	var final llbgen.Stage
	switch base.Base(app.Preset) {
	case base.Distroless:
		image := base.DistrolessImage("nodejs" + version)
		runtime := llbgen.Stage{Name: "runtime", Reason: "the distroless base, read by the closure for the libraries it already has",
			Base: llbgen.Base{Image: image}, Where: llbgen.OnTarget}
		libs := presets.Closure{Name: "libs", From: b.closureFrom(), Trees: trees, Trim: !app.Run.NoTrim, Keep: app.Run.Keep, SourceMaps: sourceMaps(app, args), Have: runtime.Name}.Stage(t)
		plan.Stages = append(plan.Stages, runtime, libs)
		final = llbgen.Stage{Name: "final", Reason: "distroless nodejs: node, glibc, libstdc++, CA certificates, tzdata, passwd, no shell",
			Base: llbgen.Base{Image: image}, Steps: []llbgen.Step{presets.CopyClosureTrees(libs.Name, nodeModulesWhat)}}
	case base.Scratch:
		libs := presets.Closure{Name: "libs", From: b.closureFrom(), Entries: []string{b.nodePath}, Trees: trees, Trim: !app.Run.NoTrim, Keep: app.Run.Keep, SourceMaps: sourceMaps(app, args)}.Stage(t)
		plan.Stages = append(plan.Stages, libs)
		final = scratchStage(b, uid, gid)
	case base.Alpine:
		// alpine's files are copied, not read by running alpine: the
		// toolchain stage (same platform) appends the user.
		acc := base.AccountsFrom{Reason: "add the non-root user to alpine's account files",
			Base: llbgen.Base{Stage: "toolchain"}, Where: b.where(), Get: base.CopyAlpineAccounts()}.Stage(uid, gid)
		libs := presets.Closure{Name: "libs", From: b.closureFrom(), Entries: []string{b.nodePath}, Trees: trees, Trim: !app.Run.NoTrim, Keep: app.Run.Keep, SourceMaps: sourceMaps(app, args)}.Stage(t)
		plan.Stages = append(plan.Stages, acc, libs)
		final = llbgen.Stage{Name: "final", Reason: "alpine: " + base.Alpine.Description() + "; node without npm/yarn",
			Base: llbgen.Base{Image: base.AlpineImage},
			Steps: append(base.UseAccounts("the non-root user", uid, gid),
				presets.CopyClosureTrees(libs.Name, nodeModulesWhat),
				llbgen.Step{Reason: "the node binary alone (npm, yarn and corepack stay in the builder)", Copy: &llbgen.Copy{From: b.nodeStage(), Src: []string{b.nodePath}, Dest: nodeBin}},
			)}
	}
	final.Where = llbgen.OnTarget
	final.Steps = append(final.Steps, llbgen.Step{
		Reason: "preload: exit on SIGTERM/SIGINT when the app has no handler (node as PID 1 ignores them)",
		File:   &llbgen.File{Path: signalsFile, Data: []byte(signalsJS), Mode: 0o644},
	})
	final.Steps = append(final.Steps, presets.Includes(app, appDir)...)
	if out != nil {
		final.Steps = append(final.Steps, out.placeSteps()...)
	} else {
		final.Steps = append(final.Steps, writableContents(app, b.sourcesStep())...)
	}
	plan.Stages = append(plan.Stages, final)

	argv := []string{node, "--require", signalsFile, appDir + "/" + script}
	plan.Image = presets.RuntimeConfig(app, append(argv, args...), appDir)
	env := []llbgen.KV{{Key: "NODE_ENV", Value: "production"}}
	if out != nil && out.Entry == nextStandalone {
		// the standalone server listens on $HOSTNAME, which a container
		// runtime sets to the container's name
		env = append(env, llbgen.KV{Key: "HOSTNAME", Value: "0.0.0.0"})
	}
	if base.Base(app.Preset) == base.Scratch {
		// node trusts its built-in Mozilla roots; also trust the system
		// bundle shipped in the image (site CAs added in the builder).
		env = append(env, llbgen.KV{Key: "NODE_EXTRA_CA_CERTS", Value: base.CABundle})
	}
	for _, kv := range env {
		if !hasEnv(app, kv.Key) {
			plan.Image.Env = append([]llbgen.KV{kv}, plan.Image.Env...)
		}
	}
	return plan, nil
}

// entrypoint returns the script (relative to the app dir) and its arguments.
// sourceMaps reports whether the app runs node with --enable-source-maps
// (in NODE_OPTIONS of [env], or among the entrypoint's arguments), so
// trimming keeps node_modules' source maps, which node then reads for
// stack traces.
func sourceMaps(app *descriptor.App, args []string) bool {
	for _, kv := range app.Env {
		if kv.Key == "NODE_OPTIONS" && strings.Contains(kv.Value, "--enable-source-maps") {
			return true
		}
	}
	return slices.Contains(args, "--enable-source-maps")
}

func entrypoint(app *descriptor.App) (script string, args []string, err error) {
	if len(app.Entrypoint.Argv) > 0 {
		script, args = app.Entrypoint.Argv[0], app.Entrypoint.Argv[1:]
	} else {
		script = app.Entrypoint.Path
	}
	script = strings.TrimPrefix(path.Clean(script), "./")
	if script == "" || script == "." || strings.HasPrefix(script, "/") || strings.HasPrefix(script, "..") || script == "node" {
		return "", nil, descriptor.Errorf(app, "entrypoint", "Node entrypoint must be the main script inside the build context, like \"server.js\" or [\"dist/server.js\", \"--flag\"]")
	}
	return script, args, nil
}

func checks(app *descriptor.App, script string, deps []string) []llbgen.PathCheck {
	var cs []llbgen.PathCheck
	if app.Build.Script == "" { // with a build script it may be a build output (dist/server.js)
		cs = append(cs, llbgen.PathCheck{Key: "entrypoint", Path: script})
	}
	given := map[string]bool{}
	for i, d := range app.Deps {
		given[d] = true
		cs = append(cs, llbgen.PathCheck{Key: fmt.Sprintf("deps[%d]", i), Path: d, File: true})
	}
	for _, d := range deps {
		if !given[d] {
			cs = append(cs, llbgen.PathCheck{Key: "deps", Path: d, File: true})
		}
	}
	return append(cs, presets.IncludeChecks(app)...)
}

func hasEnv(app *descriptor.App, key string) bool {
	return slices.ContainsFunc(app.Env, func(kv descriptor.KV) bool { return kv.Key == key })
}

// nextStandalone is the server Next.js writes with output: "standalone"
// (serverOutputs) for an app at the root of the build context.
const nextStandalone = ".next/standalone/server.js"
