package node

import (
	"fmt"
	"path"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

// pm is a package manager: how to install from its lockfile and run a script.
type pm struct {
	name     string
	lockfile string
	install  []string // with dev dependencies, frozen lockfile
	prod     []string // production dependencies only, frozen lockfile
	run      []string // + script name (yarn, pnpm: through installJS, with the declared version)
	env      []llbgen.KV
	caches   []llbgen.Cache
}

var managers = []pm{{
	name:     "npm",
	lockfile: "package-lock.json",
	install:  []string{"npm", "ci"},
	prod:     []string{"npm", "ci", "--omit=dev"},
	run:      []string{"npm", "run"},
	caches:   []llbgen.Cache{{Target: "/root/.npm", ID: "npm"}},
}, {
	name:     "npm",
	lockfile: "npm-shrinkwrap.json",
	install:  []string{"npm", "ci"},
	prod:     []string{"npm", "ci", "--omit=dev"},
	run:      []string{"npm", "run"},
	caches:   []llbgen.Cache{{Target: "/root/.npm", ID: "npm"}},
}, {
	// Yarn 1 by default; the Yarn a packageManager field declares (Berry:
	// yarn install --immutable, yarn workspaces focus --production) through
	// corepack: installJS picks the commands.
	name:     "yarn",
	lockfile: "yarn.lock",
	install:  []string{"yarn", "install", "--frozen-lockfile", "--non-interactive"},
	prod:     []string{"yarn", "install", "--frozen-lockfile", "--non-interactive", "--production"},
	run:      []string{"node", installJSPath, "run", "yarn"},
	env:      []llbgen.KV{{Key: "YARN_CACHE_FOLDER", Value: "/root/.cache/yarn"}},
	caches: []llbgen.Cache{
		{Target: "/root/.cache/yarn", ID: "yarn", Locked: true}, // yarn 1's cache is not safe for concurrent writers
		{Target: "/root/.yarn/berry", ID: "yarn-berry", Locked: true},
		corepackCache,
	},
}, {
	// Bun (https://bun.sh/docs/install/lockfile): not in corepack; installJS
	// fetches the version packageManager declares (else defaultBun) from the
	// npm registry's @oven/bun-linux-<cpu> package. Bun installs a plain
	// node_modules that node runs; the image runs node, never bun.
	name:     "bun",
	lockfile: "bun.lock",
	install:  []string{"bun", "install", "--frozen-lockfile"},
	prod:     []string{"bun", "install", "--frozen-lockfile", "--production"},
	run:      []string{"node", installJSPath, "run", "bun"},
	env:      []llbgen.KV{{Key: "BUN_INSTALL_CACHE_DIR", Value: "/root/.bun/install/cache"}, {Key: "SLIM_BUN_DEFAULT", Value: defaultBun}},
	caches: []llbgen.Cache{
		{Target: "/root/.bun/install/cache", ID: "bun"},
		{Target: bunCache, ID: "bun-bin"},
	},
}, {
	name:     "pnpm",
	lockfile: "pnpm-lock.yaml",
	install:  []string{"pnpm", "install", "--frozen-lockfile", "--store-dir", "/root/.cache/pnpm-store"},
	prod:     []string{"pnpm", "install", "--frozen-lockfile", "--prod", "--store-dir", "/root/.cache/pnpm-store"},
	run:      []string{"node", installJSPath, "run", "pnpm"},
	caches:   []llbgen.Cache{{Target: "/root/.cache/pnpm-store", ID: "pnpm-store"}, corepackCache},
}}

// bunCache holds the Bun binaries installJS fetches, per version.
const bunCache = "/root/.cache/slimfront-bun"

// defaultBun is the Bun installJS fetches when package.json declares no
// packageManager (what corepack's known releases are for the others).
const defaultBun = "1.4.5"

// corepackCache holds the package managers corepack downloads.
var corepackCache = llbgen.Cache{Target: "/root/.cache/node/corepack", ID: "corepack"}

// packageManager picks the package manager from the lockfile in deps and
// returns the dependency files to copy (package.json added when left out).
func packageManager(app *descriptor.App) (pm, []string, error) {
	deps := app.Deps
	if len(deps) == 0 {
		deps = []string{"package.json", "package-lock.json"}
	}
	var found []pm
	hasManifest := false
	for _, d := range deps {
		if path.Base(d) == "package.json" {
			hasManifest = true
		}
		for _, m := range managers {
			if path.Base(d) == m.lockfile {
				found = append(found, m)
			}
		}
	}
	switch {
	case len(found) == 0:
		return pm{}, nil, descriptor.Errorf(app, "deps", "no lockfile in deps: add package-lock.json (npm), yarn.lock (yarn), pnpm-lock.yaml (pnpm) or bun.lock (bun) next to package.json, so the install is reproducible (npm install --package-lock-only creates one)")
	case len(found) > 1 && found[0].name != found[1].name:
		return pm{}, nil, descriptor.Errorf(app, "deps", "deps lists lockfiles of several package managers (%s and %s); keep the one you use", found[0].lockfile, found[1].lockfile)
	}
	if !hasManifest {
		deps = append([]string{"package.json"}, deps...)
	}
	return found[0], deps, nil
}

// build holds what the stages need to agree on.
type build struct {
	app       *descriptor.App
	version   string
	pm        pm
	deps      []string
	alpine    bool
	nodePath  string // node in the builder image
	prodStage string // stage whose /app/node_modules has the production dependencies
	script    string // the entrypoint script, relative to appDir
	// output is the framework's self-contained server the entrypoint is
	// (frameworks.go), nil for a plain app.
	output *serverOutput
	// cross is set when the target's CPU differs from the build
	// platform's (crossTarget): builder stages run on the build platform,
	// the production install is for the target (targetEnv) and targetStage
	// holds the target's node with the installed trees, as data.
	cross     bool
	targetEnv []llbgen.KV
	// cc is the cross toolchain of a glibc cross build (compilerFor): the
	// addons without a prebuild for the target are compiled with it in
	// addonsStage, which targetStage then copies from. nil otherwise.
	cc *crossCompiler
}

// targetStage is the target-platform stage of a cross build: the builder
// image for the target (its node binary and libraries, never run) with the
// production trees copied in; the closure reads it and the final image
// takes node from it.
const targetStage = "target"

// where is the platform builder stages run on: the target's natively (as
// `npm ci` in a Dockerfile, so install scripts may compile addons), the
// build platform when cross-building (no emulation needed).
func (b *build) where() llbgen.Where {
	if b.cross {
		return llbgen.OnBuild
	}
	return llbgen.OnTarget
}

// nodeStage is the stage the final image's node binary (and, for the
// closure, its libraries) come from: the builder natively, targetStage
// when cross-building.
func (b *build) nodeStage() string {
	if b.cross {
		return targetStage
	}
	return "toolchain"
}

// closureFrom is the stage the closure reads the production trees from.
func (b *build) closureFrom() string {
	if b.cross {
		return targetStage
	}
	return b.prodStage
}

func newBuild(app *descriptor.App, version string, m pm, deps []string, script string) *build {
	return &build{app: app, version: version, pm: m, deps: deps, alpine: app.Preset == "alpine",
		nodePath: "/usr/local/bin/node", prodStage: "deps", script: script}
}

func (b *build) builderImage() string {
	if b.alpine {
		return "node:" + b.version + "-alpine" + base.AlpineRelease // the same Alpine release as the final image
	}
	// the full image, as experts use for builders: compilers for native
	// addons (node-gyp), git and CA certificates without an apt step
	return "node:" + b.version + "-trixie"
}

// installWrapper runs the lockfile installs in the builder (installSh).
const installWrapper = "/usr/local/lib/slimfront/install"

// installJSPath is installJS in the builder.
const installJSPath = "/usr/local/lib/slimfront/install.cjs"

// configFiles are the package managers' project settings and what they
// point at, copied with the manifests when present: .npmrc (npm, pnpm),
// .yarnrc.yml and .yarn/releases, plugins, patches (Yarn Berry: yarnPath,
// plugins, patch: protocol), pnpm-workspace.yaml, .pnpmfile.cjs and
// patches/ (pnpm patchedDependencies), bunfig.toml (Bun), and every package.json below the
// root: workspace members (https://docs.npmjs.com/cli/using-npm/workspaces,
// https://yarnpkg.com/features/workspaces, https://pnpm.io/workspaces)
// must all be present for a frozen-lockfile install.
var configFiles = []string{"**/package.json", ".npmrc", ".yarnrc", ".yarnrc.yml", ".yarn/releases", ".yarn/plugins", ".yarn/patches",
	"pnpm-workspace.yaml", ".pnpmfile.cjs", "patches", "bunfig.toml"}

// sourceExcludes keeps a local node_modules and VCS data out of the image.
var sourceExcludes = []string{"**/node_modules", ".git"}

// stages returns the builder stages: toolchain, production dependencies
// and, with a build script, dev dependencies plus the build.
func (b *build) stages() []llbgen.Stage {
	tool := llbgen.Stage{
		Name:   "toolchain",
		Reason: "node, npm/yarn/corepack and compilers for native addons; never part of the image",
		Base:   llbgen.Base{Image: b.builderImage()},
		Where:  b.where(),
		Env: []llbgen.KV{
			// node ignores the system CA store; trust it too (site CAs, proxies)
			{Key: "NODE_EXTRA_CA_CERTS", Value: base.CABundle},
			// node-gyp: headers of this node, shipped in the image, instead of a download
			{Key: "npm_config_nodedir", Value: "/usr/local"},
			{Key: "npm_config_update_notifier", Value: "false"},
			{Key: "npm_config_fund", Value: "false"},
			{Key: "npm_config_audit", Value: "false"},
			{Key: "COREPACK_ENABLE_DOWNLOAD_PROMPT", Value: "0"},
			// without a packageManager field, the release this corepack
			// knows with its hash (asking the registry for the latest needs
			// signatures a mirror may not serve; corepack 0.34's own error
			// message misnames this variable)
			{Key: "COREPACK_DEFAULT_TO_LATEST", Value: "0"},
			// package managers come from the npm registry (Yarn's own
			// repo.yarnpkg.com is not needed); [build.env] may name a mirror
			{Key: "COREPACK_NPM_REGISTRY", Value: "https://registry.npmjs.org"},
		},
		Dir: appDir,
	}
	if step, ok := b.packagesStep(); ok {
		tool.Steps = append(tool.Steps, step)
	}
	tool.Steps = append(tool.Steps,
		llbgen.Step{Reason: "install wrapper: repeats the cause of a failed install last, where buildx shows it",
			File: &llbgen.File{Path: installWrapper, Data: []byte(installSh), Mode: 0o755}},
		llbgen.Step{Reason: "the install itself: packageManager through corepack, the app's own lifecycle scripts skipped, workspace member filters",
			File: &llbgen.File{Path: installJSPath, Data: []byte(installJS), Mode: 0o644}})
	stages := []llbgen.Stage{tool}
	if b.app.Build.Script != "" {
		dev := b.installStage("dev-deps", "all dependencies, dev included, for the build script", b.pm.install)
		bld := llbgen.Stage{
			Name: "build", Reason: "run the build script with the dev dependencies",
			Base: llbgen.Base{Stage: dev.Name}, Where: b.where(), Env: buildEnv(b.app),
			Steps: []llbgen.Step{
				{Reason: "the sources, after dependencies", Key: "entrypoint",
					Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{"."}, Dest: appDir + "/", Exclude: sourceExcludes}},
				{Reason: "the build script", Key: "build.script",
					Run: &llbgen.Run{Argv: append(append([]string{}, b.pm.run...), b.app.Build.Script), Secrets: secrets(b.app), SSH: b.app.Build.SSH}},
				entryCheckStep(b.script, b.app.Build.Script, b.output),
			},
		}
		stages = append(stages, dev, bld)
	}
	if b.prodStage == "deps" { // not for a framework's self-contained server: it has its own node_modules
		deps := b.installStage("deps", "production dependencies only, installed from the lockfile alone so a source edit keeps them cached", b.pm.prod)
		if b.cross {
			deps.Reason = "production dependencies for the target's OS, CPU and libc, installed on the build platform without running their install scripts (no emulation): prebuilt addons for the target, or an error naming the packages that have none"
			if b.cc != nil {
				deps.Reason = "production dependencies for the target's OS, CPU and libc, installed on the build platform without running their install scripts (no emulation): prebuilt addons for the target; the addons stage compiles those node-gyp builds that have none, the others are an error naming them"
			} else if none := envValue(b.targetEnv, "SLIM_CROSS_NONE"); none != "" {
				deps.Reason += " (" + none + ")"
			}
			deps.Env = append(deps.Env, b.targetEnv...)
		}
		stages = append(stages, deps)
	}
	trees := b.prodStage
	if b.cross && b.cc != nil && b.prodStage == "deps" {
		stages = append(stages, b.crossStages(b.prodStage)...)
		trees = addonsStage
	}
	if b.cross {
		stages = append(stages, llbgen.Stage{
			Name: targetStage, Reason: "the builder image for the target, read as data (never run): its node binary and libraries, with the production trees",
			Base: llbgen.Base{Image: b.builderImage()}, Where: llbgen.OnTarget,
			Steps: []llbgen.Step{{Reason: "the production trees installed (and addons compiled) for the target on the build platform", Key: "deps",
				Copy: &llbgen.Copy{From: trees, Src: []string{appDir + "/"}, Dest: appDir + "/", Exclude: b.targetExcludes()}}},
		})
	}
	return stages
}

// packagesStep installs [build] packages in the builder only. On Debian the
// full node image already has CA certificates and node-gyp's compilers; the
// alpine image has neither, so they are added there.
func (b *build) packagesStep() (llbgen.Step, bool) {
	if !b.alpine {
		if len(b.app.Build.Packages) == 0 {
			return llbgen.Step{}, false
		}
		return presets.AptInstall(b.app, b.app.Build.Packages), true
	}
	pkgs := append([]string{"ca-certificates", "python3", "make", "g++"}, b.app.Build.Packages...)
	key := ""
	if len(b.app.Build.Packages) > 0 {
		key = "build.packages"
	}
	return llbgen.Step{Reason: "CA certificates and compilers for native addons (node-gyp), builder only", Key: key,
		Run: &llbgen.Run{Argv: []string{"sh", "-c", "apk add --no-cache " + strings.Join(pkgs, " ")}}}, true
}

// installStage copies the dependency files alone and installs from the lockfile.
func (b *build) installStage(name, reason string, argv []string) llbgen.Stage {
	env := append(append([]llbgen.KV{}, b.pm.env...), llbgen.KV{Key: "SLIM_ENTRY", Value: b.script})
	env = append(env, buildEnv(b.app)...)
	return llbgen.Stage{
		Name: name, Reason: reason, Base: llbgen.Base{Stage: "toolchain"}, Where: b.where(), Env: env,
		Steps: []llbgen.Step{
			{Reason: "dependency manifests alone, so a source edit keeps the install cached", Key: "deps",
				Copy: &llbgen.Copy{From: llbgen.Context, Src: b.deps, Dest: appDir + "/", Parents: true}},
			{Reason: "workspace members' manifests and the package managers' settings (.npmrc, .yarnrc.yml, pnpm-workspace.yaml, ...), when present", Key: "deps",
				Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{"."}, Dest: appDir + "/", Include: configFiles, Exclude: []string{"**/node_modules"}}},
			{Reason: "exists even when there is no dependency to install", Dir: &llbgen.Dir{Path: appDir + "/node_modules", Mode: 0o755}},
			{Reason: fmt.Sprintf("%s: exactly the lockfile's versions (fails if it is out of sync with package.json)", b.pm.name), Key: "deps",
				Run: &llbgen.Run{Argv: append([]string{installWrapper}, argv...), Caches: b.pm.caches, Secrets: secrets(b.app), SSH: b.app.Build.SSH}},
		},
	}
}

// sourcesStep copies the app into the final image: the context itself, or
// the build stage's result (without its dev node_modules) with a build script.
func (b *build) sourcesStep() llbgen.Step {
	if b.app.Build.Script != "" {
		return llbgen.Step{Reason: "the built app, without the dev dependencies; last because it changes most often", Key: "build.script",
			Copy: &llbgen.Copy{From: "build", Src: []string{appDir + "/"}, Dest: appDir + "/", Exclude: []string{"**/node_modules"}}}
	}
	return llbgen.Step{Reason: "the sources; last because they change most often", Key: "entrypoint",
		Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{"."}, Dest: appDir + "/", Exclude: sourceExcludes}}
}

func buildEnv(app *descriptor.App) []llbgen.KV {
	var env []llbgen.KV
	for _, kv := range app.Build.Env {
		env = append(env, llbgen.KV{Key: kv.Key, Value: kv.Value})
	}
	return env
}

func secrets(app *descriptor.App) []llbgen.Secret {
	var out []llbgen.Secret
	for _, id := range app.Build.Secrets {
		out = append(out, llbgen.Secret{ID: id})
	}
	return out
}

// scratchStage is an empty image plus the node binary, exactly the shared
// libraries it and the native addons load, CA certificates and accounts.
// No tzdata: node's ICU carries its own time zone data (TZ=Europe/Paris and
// Intl time zones work without /usr/share/zoneinfo).
func scratchStage(b *build, uid, gid int) llbgen.Stage {
	ca := base.CopyCABundle("toolchain")
	ca.Reason += " (NODE_EXTRA_CA_CERTS)"
	return base.ScratchFinal{
		Reason: "scratch: node, exactly its shared libraries, CA certificates and account files",
		System: []llbgen.Step{
			presets.CopyClosureTrees("libs", nodeModulesWhat),
			{Reason: "the node binary alone (npm, yarn and corepack stay in the builder)", Copy: &llbgen.Copy{From: b.nodeStage(), Src: []string{b.nodePath}, Dest: nodeBin}},
			ca,
		},
	}.Stage(uid, gid)
}

// targetExcludes keeps out of targetStage what the closure does not read:
// npm's cache dir, and for a framework's self-contained server the build's
// full (dev) node_modules beside it.
func (b *build) targetExcludes() []string {
	if b.prodStage == "build" {
		return []string{"node_modules"}
	}
	return []string{"node_modules/.cache"}
}
