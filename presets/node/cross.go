package node

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/containerd/platforms"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
)

// npmCPU maps GOARCH (OCI platform architectures) to Node's process.arch,
// the values of package.json's "cpu" field and of npm's `cpu` config
// (https://nodejs.org/api/process.html#processarch).
var npmCPU = map[string]string{
	"amd64": "x64", "arm64": "arm64", "arm": "arm", "386": "ia32",
	"ppc64le": "ppc64", "s390x": "s390x", "riscv64": "riscv64", "loong64": "loong64",
}

// crossTarget reports whether t builds for another CPU than the build
// platform's, and then the environment of the production install that
// says what to install for: SLIM_TARGET_OS, SLIM_TARGET_CPU (process.arch
// values), SLIM_TARGET_LIBC ("glibc", "musl" on alpine; package.json's
// "libc" field values) and SLIM_TARGET_ARCH (the platform's, for messages). installJS turns them into each package manager's
// own settings: npm's `os`, `cpu` and `libc` configs (npm >= 10, `npm help
// config`: "Override CPU architecture of native modules to install"), Yarn
// 1's --ignore-platform, Yarn 2+'s supportedArchitectures
// (https://yarnpkg.com/configuration/yarnrc#supportedArchitectures) and
// pnpm's supportedArchitectures (https://pnpm.io/package_json#pnpmsupportedarchitectures),
// so the optional dependencies holding prebuilt addons (sharp's @img/*,
// esbuild's @esbuild/*) are the target's, and runs no install script (it
// would build for the build platform): addons without a prebuild for the
// target are cross-compiled afterwards (crossStages) or an error.
//
// For a glibc target with a Debian cross toolchain (crossCompilers) Plan
// adds the compiler's name (SLIM_CROSS_CXX): checkTarget then leaves the
// packages it can build with node-gyp to the addons stage (crossStages)
// instead of failing; when the npm lockfile shows no dependency can build
// one (mayBuildAddons) it adds SLIM_CROSS_NONE, the reason, instead.
//
// A target named by placeholders ($TARGETARCH, the portable Dockerfile) is
// never cross: that Dockerfile runs its builder on the target.
func crossTarget(t presets.Target, alpine bool) (bool, []llbgen.KV) {
	p := t.Platform
	if strings.HasPrefix(p.OS, "$") || strings.HasPrefix(p.Architecture, "$") {
		return false, nil
	}
	bp, tp := platforms.Normalize(t.Build), platforms.Normalize(p)
	// an unknown build platform plans natively; amd64 variants (v2, v3)
	// run each other's node, arm's (v6, v7) do not
	if bp.Architecture == "" || bp.Architecture == tp.Architecture && (tp.Architecture != "arm" || bp.Variant == tp.Variant) {
		return false, nil
	}
	cpu := npmCPU[tp.Architecture]
	if cpu == "" {
		cpu = tp.Architecture
	}
	libc := "glibc"
	if alpine {
		libc = "musl"
	}
	return true, []llbgen.KV{{Key: "SLIM_TARGET_OS", Value: tp.OS}, {Key: "SLIM_TARGET_CPU", Value: cpu}, {Key: "SLIM_TARGET_LIBC", Value: libc}, {Key: "SLIM_TARGET_ARCH", Value: tp.Architecture}}
}

// mayBuildAddons reports whether a dependency of the lockfile in deps may
// build a native addon in an install script, so a cross build needs the
// cross compiler; when it reports false, why names the lockfile for
// checkTarget's error. It is true (plan the compiler) unless it is sure:
// without context files, for Yarn, pnpm and Bun lockfiles (not read here),
// and for an npm lockfile it cannot read or older than lockfileVersion 2. An npm lockfile v2/v3 says "hasInstallScript":
// true for every package with a preinstall, install or postinstall script
// (https://docs.npmjs.com/cli/configuring-npm/package-lock-json#packages),
// which the registry's metadata includes for a binding.gyp (npm's default
// node-gyp rebuild); a package from anywhere but a registry URL (file:,
// git) or without "resolved" (bundled) may lack it, so any such package
// under node_modules keeps the compiler too.
func mayBuildAddons(files presets.ContextFiles, m pm, deps []string) (bool, string) {
	if files == nil || (m.lockfile != "package-lock.json" && m.lockfile != "npm-shrinkwrap.json") {
		return true, ""
	}
	var lock string
	for _, d := range deps {
		if path.Base(d) == m.lockfile {
			lock = d
		}
	}
	data, err := files(lock)
	if lock == "" || err != nil {
		return true, ""
	}
	var lf struct {
		LockfileVersion int `json:"lockfileVersion"`
		Packages        map[string]struct {
			HasInstallScript bool   `json:"hasInstallScript"`
			Resolved         string `json:"resolved"`
			Link             bool   `json:"link"`
		} `json:"packages"`
	}
	if json.Unmarshal(data, &lf) != nil || lf.LockfileVersion < 2 || lf.Packages == nil {
		return true, ""
	}
	for key, p := range lf.Packages {
		if p.HasInstallScript {
			return true, ""
		}
		if p.Link || !strings.HasPrefix(key, "node_modules/") && !strings.Contains(key, "/node_modules/") {
			continue // the root, workspace members and links to them
		}
		if !strings.HasPrefix(p.Resolved, "https://") && !strings.HasPrefix(p.Resolved, "http://") {
			return true, ""
		}
	}
	return false, lock + " marks no package with hasInstallScript, so this plan has no cross compiler"
}

// crossCompiler is a Debian trixie cross toolchain (gcc/g++ and binutils
// for another CPU, packaged as g++-<triplet>; libc6-dev-<arch>-cross holds
// the target's glibc headers and crt files) that the addons stage uses to
// build native addons for the target with node-gyp.
type crossCompiler struct {
	packages []string // Debian packages the addons stage installs when an addon needs compiling
	triplet  string   // GNU triplet: the programs are <triplet>-gcc, -g++, -ar
	machine  int      // ELF e_machine of the target (elf.EM_AARCH64 = 183, ...)
	platform string   // "linux/arm64", for messages
}

// crossCompilers are the target architectures (OCI names) addons are
// cross-compiled for, with Debian trixie's toolchain packages for them
// (https://packages.debian.org/trixie/g++-aarch64-linux-gnu, and
// g++-x86-64-linux-gnu for amd64 targets on an arm64 build platform). The
// builder is the node:<v>-trixie image, so the cross glibc headers are
// Debian trixie's, the release of the target's builder image whose node
// and libraries the image gets.
var crossCompilers = map[string]crossCompiler{
	"arm64": {packages: []string{"g++-aarch64-linux-gnu", "libc6-dev-arm64-cross"}, triplet: "aarch64-linux-gnu", machine: 183, platform: "linux/arm64"},
	"amd64": {packages: []string{"g++-x86-64-linux-gnu", "libc6-dev-amd64-cross"}, triplet: "x86_64-linux-gnu", machine: 62, platform: "linux/amd64"},
}

// compilerFor returns the cross toolchain for t, or nil when t is not a
// cross target (crossTarget), is the alpine preset (musl: Debian has no
// musl cross toolchain, so a package without a prebuild for a musl target
// stays an error), or has no entry in crossCompilers.
func compilerFor(t presets.Target, alpine bool) *crossCompiler {
	if alpine || strings.HasPrefix(t.Platform.OS, "$") || strings.HasPrefix(t.Platform.Architecture, "$") {
		return nil
	}
	bp, tp := platforms.Normalize(t.Build), platforms.Normalize(t.Platform)
	if bp.Architecture == "" || bp.Architecture == tp.Architecture || tp.OS != "linux" {
		return nil
	}
	cc, ok := crossCompilers[tp.Architecture]
	if !ok {
		return nil
	}
	return &cc
}

// Stage names of the cross-compilation stages.
const (
	addonsStage = "addons" // the production trees with addons compiled for the target
)

// crossApt are the addons stage's apt cache mounts: its own, so its
// install does not wait for the locked mounts of a [build] packages install
// (the other platform's toolchain in a multi-platform build).
var crossApt = []llbgen.Cache{
	{Target: "/var/cache/apt", ID: "node-cross-apt-cache", Locked: true},
	{Target: "/var/lib/apt", ID: "node-cross-apt-lists", Locked: true},
}

// nodeGyp is the node-gyp npm bundles in the node image (npm runs it for
// a binding.gyp without an install script).
const nodeGyp = "/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"

// crossStages returns the stage that compiles, for the target, the native
// addons the production install (from stage deps) left without a
// prebuild, on the build platform: addonsStage, the toolchain stage with
// the production trees copied from deps, then installJS's compile mode.
// Only when some addon has no prebuild for the target does that step
// install Debian's cross gcc/g++ (SLIM_CROSS_APT, apt with the stage's own
// cache mounts; a tree of prebuilt addons such as sharp's and bcrypt's
// costs no toolchain install), then runs node-gyp rebuild --release
// --arch=<cpu> (node-gyp's docs: --arch "Set the target architecture";
// with npm_config_nodedir the headers are the builder node's, which are the
// target node's: the same release) with CC/CXX/AR/LINK set to the cross
// programs (gyp's make generator reads them for the target toolset;
// CC_host etc. keep host tools on the build platform's compilers), or
// node-pre-gyp rebuild --target_arch for packages configured for
// node-pre-gyp. Every ELF file a compile writes must be for the target's
// machine, else the step fails at the deps line naming the package.
//
// The plan shows the stage for every glibc cross build that may build an
// addon (mayBuildAddons); which packages took which path (a prebuild, a
// cross compile) is in the build log.
func (b *build) crossStages(from string) []llbgen.Stage {
	cc := b.cc
	cxx := cc.triplet + "-g++"
	cpu := envValue(b.targetEnv, "SLIM_TARGET_CPU")
	env := append(append([]llbgen.KV{}, b.pm.env...), buildEnv(b.app)...)
	env = append(env, b.targetEnv...)
	env = append(env,
		llbgen.KV{Key: "SLIM_TARGET_MACHINE", Value: fmt.Sprint(cc.machine)},
		llbgen.KV{Key: "CC", Value: cc.triplet + "-gcc"},
		llbgen.KV{Key: "CXX", Value: cxx},
		llbgen.KV{Key: "AR", Value: cc.triplet + "-ar"},
		llbgen.KV{Key: "LINK", Value: cxx},
		llbgen.KV{Key: "CC_host", Value: "gcc"},
		llbgen.KV{Key: "CXX_host", Value: "g++"},
		llbgen.KV{Key: "AR_host", Value: "ar"},
		llbgen.KV{Key: "LINK_host", Value: "g++"},
		llbgen.KV{Key: "npm_config_node_gyp", Value: nodeGyp},
		llbgen.KV{Key: "SLIM_CROSS_APT", Value: strings.Join(cc.packages, " ")},
	)
	addons := llbgen.Stage{
		Name:   addonsStage,
		Reason: "the production trees with the native addons that have no prebuild for " + cc.platform + " compiled for it with " + cxx + " (node-gyp --arch=" + cpu + "); the others keep their prebuilds",
		Base:   llbgen.Base{Stage: "toolchain"},
		Where:  llbgen.OnBuild,
		Env:    env,
		Steps: []llbgen.Step{
			{Reason: "the production trees installed for the target (their install scripts not run)", Key: "deps",
				Copy: &llbgen.Copy{From: from, Src: []string{appDir + "/"}, Dest: appDir + "/"}},
			{Reason: "compile for " + cc.platform + " every addon without a prebuild (node-gyp rebuild --release --arch=" + cpu + ", or node-pre-gyp rebuild --target_arch=" + cpu + "); each compiled ELF file must be for " + cc.platform + ": else an error naming the package",
				Key: "deps", Run: &llbgen.Run{Argv: []string{installWrapper, "compile"}, Secrets: secrets(b.app), Caches: crossApt}},
		},
	}
	return []llbgen.Stage{addons}
}

// envValue returns the value of key in env, "" when absent.
func envValue(env []llbgen.KV, key string) string {
	for _, kv := range env {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}
