package golang

import (
	"fmt"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

// cgoKey is the descriptor key that turns cgo on: `[build.env]
// CGO_ENABLED = "1"`, the variable the go command itself reads
// (go help environment).
const cgoKey = "build.env.CGO_ENABLED"

// cgoSetting returns the descriptor's CGO_ENABLED value ("" when the
// descriptor does not set it).
func cgoSetting(app *descriptor.App) string {
	for _, kv := range app.Build.Env {
		if kv.Key == "CGO_ENABLED" {
			return kv.Value
		}
	}
	return ""
}

// crossTarget is one Debian cross toolchain: the GNU triplet of its
// compiler (gcc-<triplet>) and the Debian architecture of its C library
// (libc6-dev-<arch>-cross), as Debian trixie's cross-toolchain-base
// packages name them.
type crossTarget struct{ triplet, debArch string }

// crossTargets maps GOARCH (and GOARM for arm) to Debian's cross
// toolchains; GOARCH values are those of `go tool dist list` for linux.
var crossTargets = map[string]crossTarget{
	"amd64":   {"x86_64-linux-gnu", "amd64"},
	"arm64":   {"aarch64-linux-gnu", "arm64"},
	"arm":     {"arm-linux-gnueabihf", "armhf"},
	"386":     {"i686-linux-gnu", "i386"},
	"ppc64le": {"powerpc64le-linux-gnu", "ppc64el"},
	"s390x":   {"s390x-linux-gnu", "s390x"},
	"riscv64": {"riscv64-linux-gnu", "riscv64"},
}

// cgoToolchain returns the compiler environment (CC, CXX) for a cgo build
// of t on the build platform and the Debian packages that provide it
// (none when the golang image's own gcc targets t): Debian's musl-tools
// (musl-gcc) for alpine, the build machine's gcc for a native glibc build,
// gcc-<triplet> g++-<triplet> libc6-dev-<arch>-cross for another
// architecture. Errors are at cgoKey: alpine for another architecture
// than the build machine's, or an architecture Debian has no cross
// toolchain for.
func cgoToolchain(app *descriptor.App, t presets.Target) (env []llbgen.KV, pkgs []string, err error) {
	p, b := t.Platform, t.Build
	native := p.Architecture == b.Architecture && p.Variant == b.Variant
	if base.Base(app.Preset) == base.Alpine {
		if !native || p.Architecture != "amd64" {
			return nil, nil, descriptor.Errorf(app, cgoKey, "cgo on alpine is compiled against musl with Debian's musl-gcc, which builds only for the build machine (linux/amd64), not for linux/%s; use preset \"distroless\" or \"scratch\" (glibc, cross-compiled) for that platform", p.Architecture)
		}
		return []llbgen.KV{{Key: "CC", Value: "musl-gcc"}}, []string{"musl-tools"}, nil
	}
	if native {
		return []llbgen.KV{{Key: "CC", Value: "gcc"}, {Key: "CXX", Value: "g++"}}, nil, nil
	}
	ct, ok := crossTargets[p.Architecture]
	if !ok || (p.Architecture == "arm" && p.Variant != "v7") {
		return nil, nil, descriptor.Errorf(app, cgoKey, "cgo for linux/%s: Debian has no cross toolchain slimfront knows for it; cgo cross-compiles for amd64, arm64, arm/v7, 386, ppc64le, s390x and riscv64", strings.TrimSuffix(p.Architecture+"/"+p.Variant, "/"))
	}
	env = []llbgen.KV{{Key: "CC", Value: ct.triplet + "-gcc"}, {Key: "CXX", Value: ct.triplet + "-g++"}}
	return env, []string{"gcc-" + ct.triplet, "g++-" + ct.triplet, "libc6-dev-" + ct.debArch + "-cross"}, nil
}

// cgoLibs returns the stages that collect the C libraries a cgo binary
// loads, for a glibc base (distroless, scratch): "cgolibs" on the target
// platform, gcr.io/distroless/cc-debian13 (Debian 13's glibc, libstdc++,
// libgcc, libgomp, OpenSSL, zlib: what the cross toolchain linked against)
// plus the binary; for distroless "runtime", the final base, so only what
// it lacks is copied; and "libs", presets.Closure over the binary. bin is
// the binary's path in the image, from the build stage's outDir.
func cgoLibs(app *descriptor.App, t presets.Target, build, name, bin, finalImage string) []llbgen.Stage {
	src := llbgen.Stage{
		Name: "cgolibs", Reason: "Debian 13's C and C++ runtime libraries for the target, read by the closure (only COPY: no emulation)",
		Base: llbgen.Base{Image: base.DistrolessImage("cc")}, Where: llbgen.OnTarget,
		Steps: []llbgen.Step{{Reason: "the cgo binary whose libraries are collected", Key: cgoKey,
			Copy: &llbgen.Copy{From: build, Src: []string{outDir + "/" + name}, Dest: bin}}},
	}
	out := []llbgen.Stage{src}
	c := presets.Closure{Name: "libs", From: src.Name, Entries: []string{bin}}
	if finalImage != "" {
		rt := llbgen.Stage{Name: "runtime", Reason: "the final base, read by the closure for the libraries it already has",
			Base: llbgen.Base{Image: finalImage}, Where: llbgen.OnTarget}
		out = append(out, rt)
		c.Have = rt.Name
	}
	return append(out, c.Stage(t))
}

// cgoCheck is the shell fragment of the build step that fails the build
// when cgo is off by default (the descriptor does not set CGO_ENABLED) and
// a non-standard package among the main package's dependencies has cgo
// files: built with CGO_ENABLED=0 such packages are stubs or lose code
// (mattn/go-sqlite3 then fails at run time). The list comes from the
// build graph itself: `go list -deps` with CGO_ENABLED=1, whose CgoFiles
// are the files importing "C" (go help list). Its arguments are the main
// package, then flags for go list (-mod=vendor for a vendored build).
const cgoCheck = `set -eu
pkg=$1; shift
cgo=$(CGO_ENABLED=1 go list "$@" -deps -f '{{if and .CgoFiles (not .Standard)}}{{.ImportPath}}{{end}}' "$pkg" | tr '\n' ' ')
if [ -n "$cgo" ]; then
  echo "slim.toml: $pkg imports packages with C code (cgo): $cgo" >&2
  echo "  built with CGO_ENABLED=0 they are stubs or fail at run time. Add to slim.toml:" >&2
  echo '    [build.env]' >&2
  echo '    CGO_ENABLED = "1"     # cgo with gcc; the image gets the C library it links' >&2
  echo '  or CGO_ENABLED = "0" to build their pure-Go fallback on purpose.' >&2
  exit 1
fi
`

// cgoFinalReason says which base a cgo image ends on.
func cgoFinalReason(b base.Base) string {
	switch b {
	case base.Distroless:
		return "distroless base: glibc for the cgo binary, CA certificates, tzdata, passwd, no shell"
	case base.Scratch:
		return "scratch: the binary, exactly the C libraries it loads, CA certificates and account files"
	}
	return fmt.Sprintf("%s (musl, as the binary was built)", b)
}
