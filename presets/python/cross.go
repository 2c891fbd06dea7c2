package python

import (
	"fmt"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

// A Python image for another CPU than the build platform's (linux/arm64
// built on linux/amd64) is built without emulation: nothing of the target
// platform runs.
//
//   - The builder stages (the interpreter, the dependency install, the
//     project, the app's bytecode) run on the build platform. The builder
//     is the same stage the native build of the build platform uses, so a
//     two-platform build shares it.
//   - uv installs the dependencies for the target (`--python-platform`,
//     https://docs.astral.sh/uv/reference/cli/#uv-pip-install--python-platform):
//     the target's manylinux wheels, into the venv at the image's path,
//     whose bin/python links to /usr/bin/python3.13 as in the image.
//     Bytecode is compiled by the build platform's Python 3.13: pyc files
//     do not depend on the CPU. Extension modules are stripped by Debian's
//     binutils for the target (the build platform's strip reads only its
//     own CPU's objects).
//   - A package without a wheel for the target is built by uv from its
//     sdist on the build platform, and cross-compiled for the target the
//     way Debian cross-builds Python extensions: in uv's build
//     environments (and only there: uv's own interpreter query reads
//     sysconfig.get_platform() too) crossBuildHook points the build
//     backend at the target's sysconfig (_PYTHON_HOST_PLATFORM,
//     _PYTHON_SYSCONFIGDATA_NAME; the module is the target image's) and
//     at Debian's cross compilers (CC, CXX), so setuptools names the
//     extension .cpython-313-<triplet>.so and the wheel linux_<machine>,
//     which uv accepts for a manylinux --python-platform (its tags for a
//     manylinux platform end with linux_<arch>, as packaging's do:
//     uv-platform-tags). The compilers and the target's Python headers
//     are installed the first time something compiles (crossCCInstall,
//     from the compiler wrappers): an install of wheels alone costs
//     nothing more. A build system that
//     ignores CC and the target's sysconfig (cargo, a cmake with its own
//     toolchain) still makes code for the build platform's CPU, so the
//     install is checked (crossCheckScript) and fails at the deps line
//     naming those packages, as does a build that fails (uv names it).
//   - The interpreter, the standard library and the shared libraries come
//     from the target's gcr.io/distroless/python3-debian13 image (Debian
//     trixie's python3.13 packages, unpacked), read as data: the scratch
//     rootfs is assembled from its files on the build platform, and the
//     closure reads them for the target's ELF headers (and its package
//     records, turned into a dpkg database, for the image's records). The
//     final stage only copies.
//
// The alpine preset keeps its builders on the target platform (they need
// emulation for another CPU): python:<v>-alpine's musl interpreter exists
// only in that image.

// crossVersion is the one Python version cross builds provide: the one
// gcr.io/distroless/python3-debian13 ships for every platform, and the
// builder's (Debian trixie's), so bytecode compiled on the build platform
// is for the interpreter of the image.
const crossVersion = "3.13"

// crossTarget describes a target CPU Python images are built for without
// emulation.
type crossTarget struct {
	platform   string // "linux/arm64", for messages
	uvPlatform string // uv's --python-platform
	binutils   string // Debian package with the target's strip, installed on the build platform
	strip      string // its strip program
	machine    int    // ELF e_machine of the target (elf.EM_AARCH64, ...)
	machines   string // ELF e_machine values to names, for crossCheckScript's message

	// cross-compiling source distributions (crossBuildHook, crossCCInstall)
	triplet       string   // GNU triplet: Debian's cross programs are <triplet>-gcc, -g++, -ar
	debArch       string   // Debian architecture, for dpkg --add-architecture and pkg:arch
	hostPlatform  string   // the target's sysconfig.get_platform(): _PYTHON_HOST_PLATFORM
	sysconfigdata string   // the target's sysconfig module: _PYTHON_SYSCONFIGDATA_NAME
	compilers     []string // Debian trixie packages of the cross toolchain (gcc, g++, the target's glibc headers)
}

// elfMachineNames are the ELF machines crossCheckScript names.
const elfMachineNames = "62=x86-64,183=aarch64,3=i386,40=arm,21=ppc64,22=s390x,243=riscv64"

// crossTargets are the target architectures (OCI names) of cross builds:
// the platforms gcr.io/distroless/python3-debian13 exists for. The uv
// platforms are manylinux_2_40 wheels: Debian trixie's glibc is 2.41 and
// 2_40 is the newest manylinux level uv names; a wheel for an older glibc
// (manylinux2014, _2_28, ...) is accepted too. The strip programs are
// Debian's binutils for the target (the build platform's strip reads only
// its own CPU's objects).
//
// The compilers are Debian trixie's cross toolchains
// (https://packages.debian.org/trixie/gcc-aarch64-linux-gnu, and
// gcc-x86-64-linux-gnu for amd64 targets on an arm64 build platform) with
// the target's glibc headers (libc6-dev-<arch>-cross); the target's Python
// headers are Debian's multiarch libpython3.13-dev:<arch>, whose pyconfig.h
// is /usr/include/<triplet>/python3.13/pyconfig.h. The host platform and
// sysconfig module names are CPython's for the target (sysconfig's
// get_platform() "linux-<machine>" and _sysconfigdata_<abiflags>_linux_<multiarch>,
// the file Debian's libpython3.13-stdlib and distroless ship in
// /usr/lib/python3.13).
var crossTargets = map[string]crossTarget{
	"arm64": {platform: "linux/arm64", uvPlatform: "aarch64-manylinux_2_40", binutils: "binutils-aarch64-linux-gnu", strip: "aarch64-linux-gnu-strip", machine: 183,
		triplet: "aarch64-linux-gnu", debArch: "arm64", hostPlatform: "linux-aarch64", sysconfigdata: "_sysconfigdata__linux_aarch64-linux-gnu",
		compilers: []string{"gcc-aarch64-linux-gnu", "g++-aarch64-linux-gnu", "libc6-dev-arm64-cross"}},
	"amd64": {platform: "linux/amd64", uvPlatform: "x86_64-manylinux_2_40", binutils: "binutils-x86-64-linux-gnu", strip: "x86_64-linux-gnu-strip", machine: 62,
		triplet: "x86_64-linux-gnu", debArch: "amd64", hostPlatform: "linux-x86_64", sysconfigdata: "_sysconfigdata__linux_x86_64-linux-gnu",
		compilers: []string{"gcc-x86-64-linux-gnu", "g++-x86-64-linux-gnu", "libc6-dev-amd64-cross"}},
}

// crossFor returns the cross build of app for t, or nil when the builder
// stages run on the target: the same CPU as the build platform (amd64
// variants run each other's programs), an unknown build platform, a target
// named by placeholders ($TARGETARCH, the portable Dockerfile), or the
// alpine preset. Errors: a version other than crossVersion is a
// *descriptor.Error at version, or an error naming the file it was chosen
// from (.python-version, requires-python); a target CPU without a
// distroless python3 image is a *descriptor.Error at preset.
func crossFor(app *descriptor.App, t presets.Target, fl flavor) (*crossTarget, error) {
	p := t.Platform
	if strings.HasPrefix(p.OS, "$") || strings.HasPrefix(p.Architecture, "$") || fl.alpine {
		return nil, nil
	}
	bp, tp := platforms.Normalize(t.Build), platforms.Normalize(p)
	if bp.Architecture == "" || bp.Architecture == tp.Architecture && (tp.Architecture != "arm" || bp.Variant == tp.Variant) {
		return nil, nil
	}
	target := platforms.Format(tp)
	build := platforms.Format(bp)
	ct, ok := crossTargets[tp.Architecture]
	if !ok || tp.OS != "linux" {
		return nil, descriptor.Errorf(app, "preset", "Python for %s on a %s build platform: images for another CPU are built without emulation for linux/amd64 and linux/arm64 (the platforms of gcr.io/distroless/python3-debian13); build %s on a machine of that CPU",
			target, build, target)
	}
	if fl.version != crossVersion && fl.source != "" {
		// chosen from the context's files, not written in the descriptor
		return nil, fmt.Errorf("%s: Python %s, chosen from %s, for %s on a %s build platform: images for another CPU are built without emulation with Debian trixie's Python %s (the interpreter gcr.io/distroless/python3-debian13 ships for every platform); set version = %q in %s if the project runs on it, or build %s on a machine of that CPU",
			app.File, fl.version, fl.source, target, build, crossVersion, crossVersion, app.File, target)
	}
	if fl.version != crossVersion {
		return nil, descriptor.Errorf(app, "version", "Python %s for %s on a %s build platform: images for another CPU are built without emulation with Debian trixie's Python %s (the interpreter gcr.io/distroless/python3-debian13 ships for every platform); valid: %s, or build %s on a machine of that CPU",
			fl.version, target, build, crossVersion, crossVersion, target)
	}
	ct.machines = elfMachineNames
	return &ct, nil
}

// crossCheckPath is where crossCheckScript is written in crossToolsStage.
const crossCheckPath = "/usr/local/lib/slimfront/crosscheck.py"

// crossCheckScript fails when the directories hold ELF files for another
// machine than the target's, naming the distributions (by their RECORD)
// that own them: source distributions built on the build platform by a
// build system that did not cross-compile. First it names the
// distributions built here for the target (their WHEEL's tag is a plain
// linux_<machine>, which only a local build has: an index's wheels are
// manylinux), so the log says which sdists were cross-compiled.
const crossCheckScript = `"""slimfront: the install for PLATFORM must hold no compiled code for another CPU."""
import os, sys


def built_here(dirs):
    out = []
    for d in dirs:
        for dirpath, dirnames, files in os.walk(d):
            if not dirpath.endswith(".dist-info") or "WHEEL" not in files:
                continue
            with open(os.path.join(dirpath, "WHEEL"), encoding="utf-8", errors="replace") as f:
                tags = [l.split(":", 1)[1].strip() for l in f if l.startswith("Tag:")]
            if any("-linux_" in t for t in tags):
                out.append("%s (%s)" % (os.path.basename(dirpath)[: -len(".dist-info")].replace("-", " "), ", ".join(tags)))
    return sorted(out)


def machine(path):
    try:
        with open(path, "rb") as f:
            h = f.read(20)
    except OSError:
        return None
    if len(h) < 20 or h[:4] != b"\x7fELF":
        return None
    return int.from_bytes(h[18:20], "little" if h[5] == 1 else "big")


def main():
    want, platform, names, *dirs = sys.argv[1:]
    want, names = int(want), dict(kv.split("=") for kv in names.split(","))
    for b in built_here(dirs):
        print("slimfront: deps: built from its source distribution for %s: %s" % (platform, b), file=sys.stderr)
    bad = {}
    for d in dirs:
        for dirpath, dirnames, files in os.walk(d):
            for f in files:
                p = os.path.join(dirpath, f)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                m = machine(p)
                if m is not None and m != want:
                    bad[os.path.normpath(p)] = names.get(str(m), "machine %d" % m)
    if not bad:
        return
    owners = {}
    for d in dirs:
        for dirpath, dirnames, files in os.walk(d):
            if not dirpath.endswith(".dist-info") or "RECORD" not in files:
                continue
            meta = {}
            try:
                with open(os.path.join(dirpath, "METADATA"), encoding="utf-8", errors="replace") as f:
                    for line in f:
                        if not line.strip():
                            break
                        k, _, v = line.partition(":")
                        meta.setdefault(k.strip(), v.strip())
            except OSError:
                pass
            dist = ("%s %s" % (meta.get("Name", os.path.basename(dirpath)), meta.get("Version", ""))).strip()
            site = os.path.dirname(dirpath)
            with open(os.path.join(dirpath, "RECORD"), encoding="utf-8", errors="replace") as f:
                for line in f:
                    rel = line.split(",")[0]
                    if rel:
                        owners[os.path.normpath(os.path.join(site, rel))] = dist
    by_dist = {}
    for p, m in sorted(bad.items()):
        by_dist.setdefault(owners.get(p, "(no package record)"), []).append("%s (%s)" % (os.path.basename(p), m))
    lines = ["  %s: %s" % (d, ", ".join(fs)) for d, fs in sorted(by_dist.items())]
    sys.exit("slimfront: deps: no %s wheel for these packages, so they were built from source on the build platform "
             "and their compiled code is for its CPU, not the target's:\n%s\n"
             "Images for another CPU are built without emulation from the target's wheels; source distributions are "
             "cross-compiled only by build systems that take CC and the target's sysconfig (setuptools, "
             "_PYTHON_HOST_PLATFORM), which these did not: use versions that publish %s wheels (manylinux), or build %s "
             "on a machine of that CPU." % (platform, "\n".join(lines), platform, platform))


main()
`

// crossInstallPath is where crossInstallSh is written in crossToolsStage.
const crossInstallPath = "/usr/local/lib/slimfront/crossinstall"

// crossInstallSh runs the install (its arguments after the target
// platform) and, when it fails, says last (where buildx shows it) how a
// cross install works and what it needs.
const crossInstallSh = `#!/bin/sh
p=$1; shift; "$@" && exit 0; rc=$?
echo "slimfront: deps: for $p the dependencies are installed on the build platform, without emulation, by uv for the target (--python-platform), from $p wheels; a package without one is built from its source distribution and cross-compiled for $p with Debian's cross compilers and the target's sysconfig (build systems that take CC and _PYTHON_HOST_PLATFORM, as setuptools does): see uv's error above. A package whose build needs more (a system library and its headers for $p, a build system that ignores CC) cannot be installed this way: use a version that publishes $p (manylinux) wheels, or build $p on a machine of that CPU. Requirements files are read by uv here (pip-only options such as a per-requirement --no-binary are refused)." >&2
exit $rc
`

// Where crossToolsStage writes the sdist cross-build files.
const (
	// crossHookPath is the sitecustomize module every interpreter of the
	// builder runs at startup, uv's build environments included (site
	// imports sitecustomize from the stdlib directory, which a venv
	// keeps): Debian's /usr/lib/python3.13/sitecustomize.py is a link to
	// this file.
	crossHookPath = "/etc/python" + crossVersion + "/sitecustomize.py"
	// crossCCInstallPath is crossCCInstall's script.
	crossCCInstallPath = "/usr/local/lib/slimfront/crosscc"
	// crossCCWrappers is where the compiler wrappers are, ahead of
	// /usr/bin in PATH.
	crossCCWrappers = "/usr/local/bin"
)

// crossBuildHook returns the sitecustomize module that gives a PEP 517
// build backend uv runs in the cross install the target's build
// configuration, Debian's way of cross-building Python extensions
// (dh-python and pybuild set _PYTHON_HOST_PLATFORM and
// _PYTHON_SYSCONFIGDATA_NAME for the host architecture): sysconfig then
// reports the target's platform (get_platform(), so setuptools tags the
// wheel linux_<machine>) and config vars (EXT_SUFFIX
// .cpython-313-<triplet>.so, the target's CFLAGS and LDSHARED, whose
// compiler Debian's sysconfig names <triplet>-gcc), and CC/CXX name the
// cross compilers for build systems that read them. It acts only with
// SLIM_CROSS_SDISTS=1 in a venv under $UV_CACHE_DIR, where uv creates its
// build environments: uv's own interpreter query also reads
// sysconfig.get_platform() (and would then pick the target's wheels for
// build requirements that run here), and so does everything else in the
// builder. It keeps Debian's apport hook.
func (c *crossTarget) crossBuildHook() string {
	return fmt.Sprintf(`"""slimfront: source distributions uv builds in the install for %[1]s are cross-compiled for it."""
import os
import sys


def _slimfront_cross():
    cache = os.environ.get("UV_CACHE_DIR", "").rstrip("/")
    if os.environ.get("SLIM_CROSS_SDISTS") != "1" or not cache or sys.prefix == sys.base_prefix:
        return
    if not os.path.realpath(sys.prefix).startswith(os.path.realpath(cache) + "/"):
        return  # not one of uv's build environments
    os.environ.update({
        "_PYTHON_HOST_PLATFORM": %[2]q,
        "_PYTHON_SYSCONFIGDATA_NAME": %[3]q,
        "CC": "%[4]s-gcc",
        "CXX": "%[4]s-g++",
        "AR": "%[4]s-ar",
    })


_slimfront_cross()
del _slimfront_cross

try:  # Debian's sitecustomize
    import apport_python_hook
except ImportError:
    pass
else:
    apport_python_hook.install()
`, c.platform, c.hostPlatform, c.sysconfigdata, c.triplet)
}

// crossCCWrapper returns the script installed as <triplet>-gcc, -g++ and
// -ar in crossCCWrappers: it runs Debian's program of that name, installing
// the cross toolchain first (crossCCInstall) when it is not there yet, so
// a cross install that compiles nothing never installs it.
func (c *crossTarget) crossCCWrapper() string {
	return fmt.Sprintf(`#!/bin/sh
# slimfront: Debian's cross program for %[1]s of this name, installed on first use
p=/usr/bin/${0##*/}
[ -x "$p" ] || %[2]s >&2 || { echo "slimfront: deps: installing Debian's cross toolchain for %[1]s failed (above)" >&2; exit 1; }
exec "$p" "$@"
`, c.platform, crossCCInstallPath)
}

// crossCCInstall returns the script that installs, once per install step
// (flock on the apt cache mount, which concurrent builds share), Debian
// trixie's cross toolchain for the target and its Python headers: the
// target's architecture is added to dpkg (multiarch) and
// libpython3.13-dev:<arch> puts pyconfig.h in
// /usr/include/<triplet>/python3.13, where Debian's
// /usr/include/python3.13/pyconfig.h looks for the target's.
func (c *crossTarget) crossCCInstall() string {
	pkgs := strings.Join(append(slices.Clone(c.compilers), "libpython"+crossVersion+"-dev:"+c.debArch), " ")
	return fmt.Sprintf(`#!/bin/sh
# slimfront: Debian's cross toolchain for %[1]s and its Python headers, installed when a source distribution compiles
set -eu
mkdir -p /var/cache/apt
exec 9>/var/cache/apt/slimfront-crosscc.lock
flock 9
[ -x /usr/bin/%[2]s-gcc ] && [ -e /usr/include/%[2]s/python%[3]s/pyconfig.h ] && exit 0
echo "slimfront: deps: a source distribution compiles for %[1]s: installing Debian's %[4]s" >&2
rm -f /etc/apt/apt.conf.d/docker-clean
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
dpkg --add-architecture %[5]s
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends %[4]s >/dev/null
`, c.platform, c.triplet, crossVersion, pkgs, c.debArch)
}

// crossCCApt are the apt cache mounts of the cross install's step, for
// crossCCInstall: shared (not locked: the step runs the whole install, and
// crossCCInstall locks only while it installs), and not crossApt, which
// crossStripStage holds locked.
var crossCCApt = []llbgen.Cache{
	{Target: "/var/cache/apt", ID: "python-crosscc-apt-cache"},
	{Target: "/var/lib/apt", ID: "python-crosscc-apt-lists"},
}

// uvCrossEnv is uv's environment for installing into the venv: no
// downloaded interpreters, copies (the cache is a mount), no bytecode (the
// compile step makes it reproducibly), the system CA store.
var uvCrossEnv = []llbgen.KV{
	{Key: "UV_PYTHON_DOWNLOADS", Value: "never"},
	{Key: "UV_LINK_MODE", Value: "copy"},
	{Key: "UV_COMPILE_BYTECODE", Value: "0"},
	{Key: "UV_SYSTEM_CERTS", Value: "1"}, // the system CA store (site CAs, proxies); uv 0.13 deprecates UV_NATIVE_TLS for it
	{Key: "UV_CACHE_DIR", Value: uvCache},
}

// where returns the platform builder stages run on: the build platform for
// a cross build, the target's otherwise.
func (c *crossTarget) where() llbgen.Where {
	if c != nil {
		return llbgen.OnBuild
	}
	return llbgen.OnTarget
}

// Stage names of the cross build's extra builder stages.
const (
	crossToolsStage = "crosstools" // uv and the scripts, over the builder
	crossStripStage = "crossstrip" // the target's strip, beside the builder
	strippedStage   = "stripped"   // the venv stripped with it
)

// crossApt are the apt cache mounts of crossStripStage: its own, so its
// install runs while the builder's holds the builder's (locked) mounts.
var crossApt = []llbgen.Cache{
	{Target: "/var/cache/apt", ID: "python-cross-apt-cache", Locked: true},
	{Target: "/var/lib/apt", ID: "python-cross-apt-lists", Locked: true},
}

// builders turns the native builder and deps stages into the cross build's
// builder stages, all on the build platform:
//
//   - the builder, unchanged otherwise, so the native build of the build
//     platform shares it;
//   - crossStripStage: Debian's binutils for the target on the builder's
//     base image, in parallel with the builder;
//   - crossToolsStage: uv in the builder's tools venv (unless uv.lock
//     already put it there), the install wrapper and crossCheckScript, and
//     what cross-compiles sdists: the target's sysconfig module (copied
//     from runtime, the target's Python image, which comes first in the
//     plan), crossBuildHook, the compiler wrappers and crossCCInstall;
//   - deps on crossToolsStage, installing with uv for the target
//     (install) and checking the result (checkStep), without the strip;
//   - strippedStage: the venv copied onto crossStripStage and stripped
//     with the target's strip; the image's venv comes from it.
//
// It returns an error when the native stages do not have the shape it
// rewrites (a change in stages.go the cross build does not know yet); the
// unit tests plan every kind of dependency file.
func (c *crossTarget) builders(runtime, builder, deps llbgen.Stage, in installer) ([]llbgen.Stage, error) {
	builder.Where = llbgen.OnBuild
	strip := llbgen.Stage{
		Name:   crossStripStage,
		Reason: "strip for " + c.platform + "'s objects (Debian's " + c.binutils + "), installed while the builder installs Python; never part of the image",
		Base:   builder.Base,
		Where:  llbgen.OnBuild,
		Steps: []llbgen.Step{{
			Reason: "the target's binutils",
			Run:    &llbgen.Run{Argv: []string{"sh", "-c", aptScript, "apt", c.binutils}, Caches: crossApt},
		}},
	}
	ts := llbgen.Stage{
		Name:   crossToolsStage,
		Reason: "tools for installing for " + c.platform + " on the build platform; never part of the image",
		Base:   llbgen.Base{Stage: builder.Name},
		Where:  llbgen.OnBuild,
	}
	if in.kind != kindUV {
		ts.Steps = append(ts.Steps, llbgen.Step{
			Reason: "uv in the tools venv: it installs for another platform (--python-platform)",
			Run:    &llbgen.Run{Argv: []string{tools + "/bin/pip", "install", "-q", lockTools[kindUV].pkgs}, Caches: []llbgen.Cache{pipMount}},
		})
	}
	ts.Steps = append(ts.Steps,
		llbgen.Step{Reason: "install wrapper: says last what a cross install needs when it fails",
			File: &llbgen.File{Path: crossInstallPath, Data: []byte(crossInstallSh), Mode: 0o755}},
		llbgen.Step{Reason: "the check that nothing compiled for the build platform's CPU was installed",
			File: &llbgen.File{Path: crossCheckPath, Data: []byte(crossCheckScript), Mode: 0o644}},
		llbgen.Step{Reason: "the target's sysconfig (" + c.sysconfigdata + ".py, from its Python image), for cross-compiling sdists",
			Copy: &llbgen.Copy{From: runtime.Name, Src: []string{"/usr/lib/python" + crossVersion + "/" + c.sysconfigdata + ".py"}, Dest: "/usr/lib/python" + crossVersion + "/"}},
		llbgen.Step{Reason: "in uv's build environments only: the target's sysconfig and Debian's " + c.triplet + " compilers for the build backend (_PYTHON_HOST_PLATFORM=" + c.hostPlatform + ", _PYTHON_SYSCONFIGDATA_NAME, CC, CXX)",
			File: &llbgen.File{Path: crossHookPath, Data: []byte(c.crossBuildHook()), Mode: 0o644}},
		llbgen.Step{Reason: "installs Debian's cross toolchain for " + c.platform + " and libpython" + crossVersion + "-dev:" + c.debArch + " the first time a source distribution compiles",
			File: &llbgen.File{Path: crossCCInstallPath, Data: []byte(c.crossCCInstall()), Mode: 0o755}})
	for _, prog := range []string{"gcc", "g++", "ar"} {
		ts.Steps = append(ts.Steps, llbgen.Step{Reason: c.triplet + "-" + prog + ", installed on first use",
			File: &llbgen.File{Path: crossCCWrappers + "/" + c.triplet + "-" + prog, Data: []byte(c.crossCCWrapper()), Mode: 0o755}})
	}

	deps.Where = llbgen.OnBuild
	deps.Base = llbgen.Base{Stage: ts.Name}
	deps.Reason = "the dependencies in the venv for " + c.platform + ", installed on the build platform from the target's wheels (no emulation), from the dependency manifests alone"
	deps.Steps = slices.Clone(deps.Steps)
	install := slices.IndexFunc(deps.Steps, func(s llbgen.Step) bool { return s.Key == "deps" && s.Run != nil })
	if install < 0 {
		return nil, fmt.Errorf("python cross build: the deps stage has no install step")
	}
	run, err := c.install(*deps.Steps[install].Run, in)
	if err != nil {
		return nil, err
	}
	deps.Steps[install].Run = run
	deps.Steps[install].Reason = "install into the venv for " + c.platform + " with uv (--python-platform " + c.uvPlatform + "): the target's wheels, and sdists cross-compiled with Debian's " + c.triplet + "-gcc (installed if one compiles)"
	deps.Steps = slices.Insert(deps.Steps, install+1, c.checkStep(venv))
	i := slices.IndexFunc(deps.Steps, func(s llbgen.Step) bool {
		return s.Run != nil && len(s.Run.Argv) > 0 && s.Run.Argv[0] == "find" && slices.Contains(s.Run.Argv, "strip")
	})
	if i < 0 {
		return nil, fmt.Errorf("python cross build: the deps stage has no strip step")
	}
	step := deps.Steps[i]
	deps.Steps = slices.Delete(deps.Steps, i, i+1)
	r := *step.Run
	r.Argv = slices.Clone(r.Argv)
	r.Argv[slices.Index(r.Argv, "strip")] = c.strip
	step.Run = &r
	step.Reason += "; with the target's strip"
	stripped := llbgen.Stage{
		Name:   strippedStage,
		Reason: "the venv for " + c.platform + " with its extension modules stripped by the target's strip",
		Base:   llbgen.Base{Stage: strip.Name},
		Where:  llbgen.OnBuild,
		Steps: []llbgen.Step{
			{Reason: "the venv installed for " + c.platform, Key: "deps", Copy: &llbgen.Copy{From: deps.Name, Src: []string{venv}, Dest: venv}},
			step,
		},
	}
	return []llbgen.Stage{runtime, builder, strip, ts, deps, stripped}, nil
}

// install rewrites the native install run for the target: uv sync with
// --python-platform for uv.lock, and uv pip install with --python-platform
// in place of the tools venv's pip for every other kind (requirements
// files, a pyproject.toml's dependencies, the poetry/pdm/pipenv exports),
// with SLIM_CROSS_SDISTS=1 (crossBuildHook acts) and crossCCApt mounted
// (for crossCCInstall). A failure ends with crossInstallSh's message.
func (c *crossTarget) install(run llbgen.Run, in installer) (*llbgen.Run, error) {
	argv := slices.Clone(run.Argv)
	if in.kind == kindUV {
		if len(argv) < 2 || argv[0] != tools+"/bin/uv" || argv[1] != "sync" {
			return nil, fmt.Errorf("python cross build: uv.lock is not installed with uv sync: %q", argv)
		}
		argv = append(argv, "--python-platform", c.uvPlatform)
	} else {
		pip := []string{tools + "/bin/pip", "--python", venv + "/bin/python", "install", "--no-compile", "--no-warn-script-location"}
		i := slices.Index(argv, pip[0])
		if i < 0 || len(argv) < i+len(pip) || !slices.Equal(argv[i:i+len(pip)], pip) {
			return nil, fmt.Errorf("python cross build: the install is not the tools venv's pip: %q", argv)
		}
		uv := []string{tools + "/bin/uv", "pip", "install", "--python", venv + "/bin/python", "--python-platform", c.uvPlatform}
		argv = slices.Concat(argv[:i], uv, argv[i+len(pip):])
		run.Env = slices.Concat(run.Env, uvCrossEnv)
		run.Caches = append(slices.Clone(run.Caches), uvMount)
	}
	run.Argv = append([]string{crossInstallPath, c.platform}, argv...)
	run.Env = append(slices.Clone(run.Env), llbgen.KV{Key: "SLIM_CROSS_SDISTS", Value: "1"}) // crossBuildHook
	run.Caches = append(slices.Clone(run.Caches), crossCCApt...)
	return &run, nil
}

// checkStep runs crossCheckScript over dirs with the build platform's
// Python, at the deps line.
func (c *crossTarget) checkStep(dirs ...string) llbgen.Step {
	argv := append([]string{"/usr/bin/python" + crossVersion, crossCheckPath, fmt.Sprint(c.machine), c.platform, c.machines}, dirs...)
	return llbgen.Step{
		Reason: "every compiled file installed is for " + c.platform + " (a package built here by a build system that did not cross-compile: an error naming it); the log names the sdists cross-compiled",
		Key:    "deps",
		Run:    &llbgen.Run{Argv: argv, Network: llbgen.NetNone},
	}
}

// project moves the project stage to the build platform and checks that
// building the project made nothing for the build platform's CPU.
func (c *crossTarget) project(ps llbgen.Stage) llbgen.Stage {
	ps.Where = llbgen.OnBuild
	ps.Steps = slices.Clone(ps.Steps)
	if i := slices.IndexFunc(ps.Steps, func(s llbgen.Step) bool { return s.Key == "deps" && s.Run != nil }); i >= 0 {
		ps.Steps = slices.Insert(ps.Steps, i+1, c.checkStep(projRoot))
	}
	return ps
}

// runtimeStage is the target's distroless python3 image, never run: the
// final image's base on distroless, the interpreter's source on scratch.
func (c *crossTarget) runtimeStage(distroless bool) llbgen.Stage {
	st := llbgen.Stage{Name: "runtime", Base: llbgen.Base{Image: base.DistrolessImage("python3")}, Where: llbgen.OnTarget,
		Reason: "the distroless base, read by the closure for the libraries it already has"}
	if !distroless {
		st.Reason = "the target's Python, read as data (never run): Debian trixie's python3.13 as gcr.io/distroless/python3-debian13 ships it for " + c.platform + ", with the libraries its modules load"
	}
	return st
}

// targetStage is the target-platform stage the closure reads: the target's
// Python image with the venv installed for it (and, on scratch, the
// assembled rootfs), so the venv's extensions resolve against the target's
// libraries. It only copies.
func (c *crossTarget) targetStage(venvFrom, rootfsStage string) llbgen.Stage {
	st := llbgen.Stage{
		Name:   "target",
		Reason: "the target's Python with the venv installed for it, read by the closure as data (never run)",
		Base:   llbgen.Base{Stage: "runtime"},
		Where:  llbgen.OnTarget,
		Steps: []llbgen.Step{{Reason: "the venv installed for " + c.platform + ", stripped", Key: "deps",
			Copy: &llbgen.Copy{From: venvFrom, Src: []string{venv}, Dest: venv}}},
	}
	if rootfsStage != "" {
		st.Steps = append(st.Steps,
			llbgen.Step{Reason: "the scratch image's system files, whose extension modules the closure resolves",
				Copy: &llbgen.Copy{From: rootfsStage, Src: []string{rootfs}, Dest: rootfs}},
			llbgen.Step{Reason: "the stdlib's import graph, from which the closure decides which extension modules something imports",
				Copy: &llbgen.Copy{From: rootfsStage, Src: []string{stdlibGraph}, Dest: stdlibGraph}},
			llbgen.Step{Reason: "the image's package records as a dpkg database, for the closure's records",
				Copy: &llbgen.Copy{From: rootfsStage, Src: []string{crossDpkg + "/"}, Dest: "/var/lib/dpkg/"}})
	}
	return st
}

// crossRootfsScript is rootfsScript reading the interpreter and the
// standard library under $SLIM_TARGET_ROOT (the target's files) instead of
// the running Python's: the build platform's Python 3.13 compiles the
// target's stdlib (bytecode does not depend on the CPU); CA certificates
// and tzdata, which do not either, come from the builder.
var crossRootfsScript = strings.NewReplacer(
	"shutil.copy2(python, root + python)", `shutil.copy2(os.environ["SLIM_TARGET_ROOT"] + python, root + python)`,
	"shutil.copytree(lib, stage,", `shutil.copytree(os.environ["SLIM_TARGET_ROOT"] + lib, stage,`,
).Replace(rootfsScript)

// rootfs is rootfsStage for the cross build: on the build platform, from
// the builder (so it runs in parallel with the install), with the target's
// Python image (the runtime stage) mounted at /target and read as data.
func (c *crossTarget) rootfs(fl flavor) llbgen.Stage {
	st := rootfsStage(fl, true)
	st.Where = llbgen.OnBuild
	st.Base = llbgen.Base{Stage: "python"}
	st.Reason = "scratch: exactly the system files the interpreter and the venv need, the interpreter and stdlib taken from " + c.platform + "'s files (never run)"
	st.Steps = slices.Clone(st.Steps)
	for i, s := range st.Steps {
		switch {
		case s.File != nil && s.File.Path == rootfsScriptPath:
			f := *s.File
			f.Data = []byte(crossRootfsScript)
			st.Steps[i].File = &f
		case s.Run != nil:
			r := *s.Run
			r.Argv = slices.Clone(r.Argv)
			r.Argv[0] = "/usr/bin/python" + crossVersion // the build platform's interpreter runs the script
			r.Env = append(slices.Clone(r.Env), llbgen.KV{Key: "SLIM_TARGET_ROOT", Value: "/target"})
			r.Mounts = append(slices.Clone(r.Mounts), llbgen.Mount{Target: "/target", From: "runtime"})
			st.Steps[i].Run = &r
			st.Steps[i].Reason = "the target's interpreter, its stdlib compiled here into a zip without tests/idle/tkinter/ensurepip, its extension modules; CA certificates, tzdata"
		}
	}
	st.Steps = append(st.Steps,
		llbgen.Step{Reason: "turns distroless package records into a dpkg database", File: &llbgen.File{Path: dpkgScriptPath, Data: []byte(dpkgScript), Mode: 0o644}},
		llbgen.Step{Reason: "the target image's package records as the dpkg database the closure reads to record the packages of the libraries it copies (for scanners, as natively)",
			Run: &llbgen.Run{Argv: []string{"/usr/bin/python" + crossVersion, dpkgScriptPath, "/target/var/lib/dpkg/status.d", crossDpkg},
				Mounts: []llbgen.Mount{{Target: "/target", From: "runtime"}}, Network: llbgen.NetNone}})
	return st
}

// dpkgScriptPath is where dpkgScript is written in the cross rootfs stage,
// and crossDpkg where it writes the database (outside the rootfs: the
// image gets records of what it holds from the closure, not this).
const (
	dpkgScriptPath = "/usr/local/lib/slimfront/dpkgdb.py"
	crossDpkg      = "/dpkg"
)

// dpkgScript writes a dpkg database (status, info/<pkg>.list and
// .md5sums; dpkg(1)) under OUT from distroless package records (RECORDS
// holds <pkg> with the package's control fields and <pkg>.md5sums with
// "<md5>  <path>" lines), so `slimfront closure --records`, which reads a
// dpkg database, records the target's packages on scratch as it records
// the builder's natively.
const dpkgScript = `"""slimfront: RECORDS (distroless status.d) -> a dpkg database under OUT."""
import os, sys

records, out = sys.argv[1:3]
os.makedirs(os.path.join(out, "info"), exist_ok=True)
stanzas = []
for name in sorted(os.listdir(records)):
    with open(os.path.join(records, name), encoding="utf-8", errors="replace") as f:
        data = f.read()
    if name.endswith(".md5sums"):
        pkg = name[: -len(".md5sums")]
        lines = [l for l in data.splitlines() if len(l.split(None, 1)) == 2]
        with open(os.path.join(out, "info", pkg + ".md5sums"), "w") as f:
            f.write("".join(l + "\n" for l in lines))
        with open(os.path.join(out, "info", pkg + ".list"), "w") as f:
            f.write("".join("/" + l.split(None, 1)[1].lstrip("/") + "\n" for l in lines))
    elif data.strip():
        stanzas.append(data.strip() + "\n")
with open(os.path.join(out, "status"), "w") as f:
    f.write("\n".join(stanzas))
`

// finalStages returns the cross build's stages after the builders and its
// final stage, for distroless or scratch (crossFor plans alpine natively):
// on scratch the rootfs assembled on the build platform from the target's
// Python image (runtime, which builders put first), the target stage (that
// image plus the venv, and the rootfs) which the closure reads, the
// closure, and the final stage, which only copies.
func (c *crossTarget) finalStages(app *descriptor.App, t presets.Target, fl flavor, std *presets.Stdlib, uid, gid int) ([]llbgen.Stage, llbgen.Stage) {
	if base.Base(app.Preset) == base.Distroless {
		runtime := c.runtimeStage(true) // in the plan already, first (builders)
		target := c.targetStage(strippedStage, "")
		libs := presets.Closure{Name: "libs", From: target.Name, Trees: []string{venv}, Trim: !app.Run.NoTrim, Keep: app.Run.Keep, Sourceless: app.Run.Sourceless, Have: runtime.Name}.Stage(t)
		final := llbgen.Stage{Name: "final", Reason: "distroless python3 for " + c.platform + ": Debian's python3.13 at the builder's path, CA certificates, tzdata, no shell",
			Base: llbgen.Base{Image: runtime.Base.Image}, Steps: []llbgen.Step{presets.CopyClosureTrees(libs.Name, venvWhat)}}
		return []llbgen.Stage{target, libs}, final
	}
	zs := stdlibStage(fl, llbgen.OnBuild)
	rs := c.rootfs(fl)
	target := c.targetStage(strippedStage, rs.Name)
	libs := presets.Closure{Name: "libs", From: target.Name, Trees: []string{venv}, Trim: !app.Run.NoTrim, Keep: app.Run.Keep, Sourceless: app.Run.Sourceless,
		Entries: []string{fl.python}, Stdlib: std}.Stage(t)
	return []llbgen.Stage{zs, rs, target, libs}, scratchStage(rs.Name, libs.Name, std, uid, gid)
}
