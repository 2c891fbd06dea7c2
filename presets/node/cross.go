package node

import (
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
// esbuild's @esbuild/*) are the target's, and runs no install script.
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
