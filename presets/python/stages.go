package python

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

var (
	aptCache  = llbgen.Cache{Target: "/var/cache/apt", ID: "python-apt-cache", Locked: true}
	aptLists  = llbgen.Cache{Target: "/var/lib/apt", ID: "python-apt-lists", Locked: true}
	pipMount  = llbgen.Cache{Target: pipCache, ID: "python-pip"}
	uvMount   = llbgen.Cache{Target: uvCache, ID: "python-uv"}
	compileKV = []llbgen.KV{{Key: "SOURCE_DATE_EPOCH", Value: epoch}}
)

// aptScript installs Debian's Python (the same packages distroless
// python3-debian13 is made of), its venv module, CA certificates and the
// descriptor's build packages, keeping downloads in the cache mounts.
const aptScript = "set -eu; " +
	"rm -f /etc/apt/apt.conf.d/docker-clean; " +
	"echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache; " +
	"apt-get update -qq; " +
	"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \"$@\" >/dev/null"

// builderStage is the interpreter of the final image (same path, same
// build) plus pip in a separate tools venv and the build packages; the
// app's venv is created here without pip.
func builderStage(app *descriptor.App, fl flavor, in installer) llbgen.Stage {
	st := llbgen.Stage{
		Name:   "python",
		Reason: fmt.Sprintf("Python %s at %s, as in the final image, with pip and the build packages; never part of the image", fl.version, fl.python),
		Base:   llbgen.Base{Image: fl.builder},
		Where:  llbgen.OnTarget,
		Env: []llbgen.KV{
			{Key: "PYTHONDONTWRITEBYTECODE", Value: "1"},
			{Key: "PIP_DISABLE_PIP_VERSION_CHECK", Value: "1"},
			{Key: "PIP_ROOT_USER_ACTION", Value: "ignore"},
		},
	}
	for _, kv := range app.Build.Env {
		st.Env = append(st.Env, llbgen.KV{Key: kv.Key, Value: kv.Value})
	}
	if fl.alpine {
		st.Steps = append(st.Steps, llbgen.Step{
			Reason: "strip (binutils) and the build-only packages (compilers, git); they stay in the builder", Key: "build.packages",
			Run: &llbgen.Run{Argv: append([]string{"apk", "add", "--no-cache", "binutils"}, app.Build.Packages...)},
		})
	} else if fl.official {
		// the official image has the interpreter (with pip for the tools
		// venv) and CA certificates; strip and the build packages come
		// from Debian trixie, which it is built on
		st.Reason = fmt.Sprintf("the official python:%s-slim-trixie image (Python %s at %s, as in the final image), with pip and the build packages; never part of the image", fl.version, fl.version, fl.python)
		pkgs := append([]string{"binutils"}, app.Build.Packages...)
		st.Steps = append(st.Steps, llbgen.Step{
			Reason: "strip and the build packages, from Debian trixie (the image's distribution)",
			Key:    "build.packages",
			Run:    &llbgen.Run{Argv: append([]string{"sh", "-c", aptScript, "apt"}, pkgs...), Caches: []llbgen.Cache{aptCache, aptLists}},
		})
	} else {
		pkgs := []string{"python" + fl.version, "python" + fl.version + "-venv", "ca-certificates", "binutils"}
		pkgs = append(pkgs, app.Build.Packages...)
		st.Steps = append(st.Steps, llbgen.Step{
			Reason: "Debian's python" + fl.version + " (the interpreter distroless python3-debian13 ships), CA certificates, strip and the build packages",
			Key:    "build.packages",
			Run:    &llbgen.Run{Argv: append([]string{"sh", "-c", aptScript, "apt"}, pkgs...), Caches: []llbgen.Cache{aptCache, aptLists}},
		})
	}
	script := fmt.Sprintf("set -eu; %[1]s -m venv %[2]s; %[1]s -m venv --without-pip %[3]s", fl.python, tools, venv)
	run := &llbgen.Run{Argv: []string{"sh", "-c", script}, Network: llbgen.NetNone}
	reason := "pip in a tools venv (from the bundled wheel, offline); the app's venv without pip"
	if tl := lockTools[in.kind]; tl.pkgs != "" {
		run.Argv[2] += "; " + tools + "/bin/pip install -q " + tl.pkgs
		run.Network = llbgen.NetDefault
		run.Caches = []llbgen.Cache{pipMount}
		reason = "pip and " + tl.name + " in a tools venv; the app's venv without pip"
	}
	st.Steps = append(st.Steps, llbgen.Step{Reason: reason, Run: run})
	st.Steps = append(st.Steps, llbgen.Step{Reason: "the bytecode compiler used for the venv and the app",
		File: &llbgen.File{Path: compileScriptPath, Data: []byte(compileScript), Mode: 0o644}})
	return st
}

// compileScript compiles directories to bytecode the way the image needs it.
const compileScript = `"""slimfront: compile DIRs to hash-based bytecode that is never checked against its source
(reproducible: no timestamps; startup neither compiles nor writes), and drop the bytecode of modules
that an extension module of the same name shadows (the import system never loads it)."""
import compileall, os, py_compile, sys


def main():
    ok, dirs, root = True, sys.argv[1:], None
    if dirs[:1] == ["--root"]:  # files staged under ROOT: record their paths in the image
        root, dirs = dirs[1], dirs[2:]
    for d in dirs:
        if root is not None and not os.path.isdir(d):
            continue
        ok &= bool(compileall.compile_dir(d, quiet=1, workers=0, stripdir=root, prependdir="/" if root else None,
                                          invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH))
    tag = sys.implementation.cache_tag
    for d in dirs:
        for dirpath, dirs, files in os.walk(d):
            for f in files:
                mod = f.split(".")[0]
                if f.endswith(".so") and mod + ".py" in files:
                    pyc = os.path.join(dirpath, "__pycache__", "%s.%s.pyc" % (mod, tag))
                    if os.path.exists(pyc):
                        os.remove(pyc)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":  # compileall's forkserver workers import this file
    main()
`

// compileScriptPath is where compileScript is written in the builder.
const compileScriptPath = "/usr/local/lib/slimfront/compile.py"

// sigtermModule makes SIGTERM stop a Python PID 1 that installed no handler
// (the kernel ignores signals with the default action for PID 1, so
// `python app.py` as a container's process would not stop before SIGKILL).
// Apps and servers that install their own handler (gunicorn, uvicorn) keep
// it: this only replaces the default, and forked children keep the default
// behaviour.
const sigtermModule = `"""Installed by slimfront: SIGTERM stops a Python PID 1 that has no handler for it."""
import os
import signal


def _stop(signum, frame):
    if os.getpid() != 1:  # a forked child: act as if no handler were installed
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise SystemExit(128 + signum)


if os.getpid() == 1 and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _stop)
`

// site runs "import" lines of .pth files in site-packages at startup; a
// .pth (unlike sitecustomize.py, which Debian's stdlib already has) cannot
// be shadowed.
const sigtermPth = "import _slimfront_sigterm\n"

// depsStage installs the dependencies from the manifests alone, before any
// source is copied, so a source edit never reinstalls them.
func depsStage(app *descriptor.App, fl flavor, in installer, ep entry) llbgen.Stage {
	st := llbgen.Stage{
		Name:   "deps",
		Reason: "the dependencies in the venv, from the dependency manifests alone",
		Base:   llbgen.Base{Stage: "python"},
		Where:  llbgen.OnTarget,
		Dir:    srcDir,
	}
	st.Steps = append(st.Steps, llbgen.Step{
		Reason: "dependency manifests alone, so a source edit keeps the install cached", Key: "deps",
		Copy: &llbgen.Copy{From: llbgen.Context, Src: in.manifests, Dest: srcDir + "/", Parents: true},
	})
	pip := []string{tools + "/bin/pip", "--python", venv + "/bin/python", "install", "--no-compile", "--no-warn-script-location"}
	var run *llbgen.Run
	switch in.kind {
	case kindUV:
		dir := path.Join(srcDir, path.Dir(in.lock))
		// --locked: uv.lock must match pyproject.toml (uv's own "needs to be
		// updated" error otherwise); --no-dev leaves the dev group out; the
		// project itself is installed later, from the sources (projectStage).
		run = &llbgen.Run{
			Argv: []string{tools + "/bin/uv", "sync", "--project", dir, "--locked", "--no-install-project", "--no-dev", "--no-editable"},
			Env: []llbgen.KV{
				{Key: "UV_PROJECT_ENVIRONMENT", Value: venv},
				{Key: "UV_PYTHON", Value: venv + "/bin/python"},
				{Key: "UV_PYTHON_DOWNLOADS", Value: "never"},
				{Key: "UV_LINK_MODE", Value: "copy"},
				{Key: "UV_COMPILE_BYTECODE", Value: "0"},
				{Key: "UV_SYSTEM_CERTS", Value: "1"}, // the system CA store (site CAs, proxies); uv 0.13 deprecates UV_NATIVE_TLS for it
				{Key: "UV_CACHE_DIR", Value: uvCache},
			},
			Caches: []llbgen.Cache{uvMount},
		}
	case kindPoetry, kindPDM, kindPipenv:
		tl := lockTools[in.kind]
		script := fmt.Sprintf(`set -eu; cd "$1"; shift; %s || { echo "slimfront: deps: %s is out of date with %s (or unreadable, see above); run `+"`%s`"+` and commit it" >&2; exit 1; }; %s > /tmp/requirements.txt; exec "$@" --no-deps -r /tmp/requirements.txt`,
			tl.check, path.Base(in.lock), lockNeeds[path.Base(in.lock)].manifest, lockNeeds[path.Base(in.lock)].relock, tl.export)
		run = &llbgen.Run{Argv: append([]string{"sh", "-c", script, in.kind, path.Join(srcDir, path.Dir(in.lock))}, pip...),
			Env: tl.env, Caches: []llbgen.Cache{pipMount, tl.cache}}
	case kindPyproject:
		script := fmt.Sprintf(`set -eu; %s -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb")).get("project", {}).get("dependencies", [])))' %s > /tmp/requirements.txt; exec "$@" -r /tmp/requirements.txt`,
			fl.python, path.Join(srcDir, in.pyproject))
		run = &llbgen.Run{Argv: append([]string{"sh", "-c", script, "install"}, pip...), Caches: []llbgen.Cache{pipMount}}
	default:
		argv := pip
		for _, c := range in.constraints {
			argv = append(argv, "-c", c)
		}
		for _, r := range in.requirements {
			argv = append(argv, "-r", r)
		}
		run = &llbgen.Run{Argv: argv, Caches: []llbgen.Cache{pipMount}}
	}
	for _, id := range app.Build.Secrets { // private indexes (pip.conf, netrc) and tokens
		run.Secrets = append(run.Secrets, llbgen.Secret{ID: id})
	}
	run.SSH = app.Build.SSH // git+ssh:// requirements
	st.Steps = append(st.Steps, llbgen.Step{Reason: "install into the venv; wheels are built here, with the build packages", Key: "deps", Run: run})
	if ep.script != "" && in.pyproject == "" {
		st.Steps = append(st.Steps, consoleScriptCheck(ep, ""))
	}
	site := fl.sitePackages()
	compile := llbgen.Step{
		Reason: "reproducible bytecode (hash-based, never checked), so startup writes nothing",
		Run: &llbgen.Run{
			Argv:    []string{venv + "/bin/python", compileScriptPath, venv + "/lib"},
			Env:     compileKV,
			Network: llbgen.NetNone,
		},
	}
	st.Steps = append(st.Steps,
		llbgen.Step{
			Reason: "extension modules from wheels often keep their symbols (megabytes each); libraries vendored by auditwheel (*.libs) are left alone",
			Run: &llbgen.Run{
				Argv:    []string{"find", venv, "-type", "f", "-name", "*.so", "!", "-path", "*.libs/*", "-exec", "strip", "--strip-unneeded", "{}", "+"},
				Network: llbgen.NetNone,
			},
		},
		llbgen.Step{Reason: "SIGTERM stops the app as PID 1 even without a handler", File: &llbgen.File{Path: site + "/_slimfront_sigterm.py", Data: []byte(sigtermModule), Mode: 0o644}},
		llbgen.Step{Reason: "loaded by site at startup", File: &llbgen.File{Path: site + "/_slimfront_sigterm.pth", Data: []byte(sigtermPth), Mode: 0o644}},
		compile,
	)
	if app.Run.Sourceless {
		st.Steps = append(st.Steps,
			llbgen.Step{Reason: "[run] sourceless: moves each module's bytecode beside its source", Key: "run.sourceless",
				File: &llbgen.File{Path: sourcelessScriptPath, Data: []byte(sourcelessScript), Mode: 0o644}},
			llbgen.Step{Reason: "[run] sourceless: each module's .pyc beside its .py; the closure leaves the .py out (SourcelessFileLoader)", Key: "run.sourceless",
				Run: &llbgen.Run{Argv: []string{venv + "/bin/python", sourcelessScriptPath, site}, Network: llbgen.NetNone}})
	}
	return st
}

// sourcelessScript prepares a compiled tree for [run] sourceless: each
// __pycache__/<module>.<cache tag>.pyc moves to <module>.pyc beside
// <module>.py, the legacy location compileall -b writes, which importlib's
// FileFinder loads with SourcelessFileLoader once no <module>.py is there
// (importlib docs, "SourcelessFileLoader"). The sources stay in this stage
// (trimming reads their import lines); the closure step leaves every .py
// that has a .pyc beside it out of the image (slimfront closure
// --sourceless).
const sourcelessScript = `"""slimfront: [run] sourceless: each module's bytecode beside its source, under DIR."""
import os, sys

tag = sys.implementation.cache_tag
for top in sys.argv[1:]:
    for dirpath, dirs, files in sorted(os.walk(top, topdown=False)):
        if os.path.basename(dirpath) != "__pycache__":
            continue
        parent = os.path.dirname(dirpath)
        for f in sorted(files):
            mod, _, rest = f.partition(".")
            if rest == tag + ".pyc" and os.path.exists(os.path.join(parent, mod + ".py")):
                os.replace(os.path.join(dirpath, f), os.path.join(parent, mod + ".pyc"))
        if not os.listdir(dirpath):
            os.rmdir(dirpath)
`

// sourcelessScriptPath is where sourcelessScript is written in the deps stage.
const sourcelessScriptPath = "/usr/local/lib/slimfront/sourceless.py"

// findSpecScript fails with a clear message when the entrypoint's module is
// not importable from the app directory (it only locates, never imports).
const findSpecScript = `import importlib.util as u, sys; sys.path.insert(0, "."); m, e = sys.argv[1:3]; t = m.split(".")[0]; ` +
	`u.find_spec(t) is None and sys.exit("slimfront: entrypoint [%s]: module %r is not in the build context (no %s.py or %s/ next to the descriptor)" % (e, m, t, t))`

// sourceExcludes are left out whenever the sources are copied: VCS data,
// local venvs and stale bytecode (and the descriptor itself).
func sourceExcludes(descriptorFile string) []string {
	return []string{".git", ".venv", "**/__pycache__", "**/*.pyc", path.Base(descriptorFile)}
}

// appStage copies the sources and compiles them. Without [build] script it
// does not depend on the deps stage, so it runs in parallel with the
// install. With one, it starts from the deps stage (the venv, plus the
// project's files from the stage proj when it is not ""), runs the script
// in the app directory with the runtime [env] and [build] env, network
// off, and keeps whatever it writes there (collectstatic's STATIC_ROOT).
func appStage(app *descriptor.App, fl flavor, ep entry, proj string) llbgen.Stage {
	st := llbgen.Stage{
		Name:   "app",
		Reason: "the app's sources, compiled; runs in parallel with the dependency install",
		Base:   llbgen.Base{Stage: "python"},
		Where:  llbgen.OnTarget,
		Dir:    appDir,
	}
	if app.Build.Script != "" {
		st.Reason = "the app's sources, the output of [build] script and their bytecode"
		st.Base = llbgen.Base{Stage: "deps"}
		if proj != "" {
			st.Steps = append(st.Steps, projectCopy(proj))
		}
	}
	st.Steps = append(st.Steps, llbgen.Step{
		Reason: "the sources (without VCS data, local venvs and stale bytecode)", Key: "entrypoint",
		Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{"."}, Dest: appDir + "/", Exclude: sourceExcludes(app.File)},
	})
	if ep.module != "" {
		st.Steps = append(st.Steps, llbgen.Step{Reason: "the entrypoint's module must be in the context", Key: "entrypoint",
			Run: &llbgen.Run{Argv: []string{fl.python, "-c", findSpecScript, ep.module, ep.display}, Network: llbgen.NetNone}})
	}
	if app.Build.Script != "" {
		env := []llbgen.KV{{Key: "PATH", Value: venv + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, {Key: "VIRTUAL_ENV", Value: venv}}
		for _, kv := range app.Env {
			env = append(env, llbgen.KV{Key: kv.Key, Value: kv.Value})
		}
		for _, kv := range app.Build.Env { // [build] env wins over [env] here
			env = append(env, llbgen.KV{Key: kv.Key, Value: kv.Value})
		}
		st.Steps = append(st.Steps, llbgen.Step{
			Reason: "[build] script with the venv and the sources, network off; what it writes under " + appDir + " is kept", Key: "build.script",
			Run: &llbgen.Run{Argv: []string{"sh", "-c", app.Build.Script}, Env: env, Network: llbgen.NetNone},
		})
	}
	st.Steps = append(st.Steps, llbgen.Step{
		Reason: "reproducible bytecode of the sources", Key: "entrypoint",
		Run: &llbgen.Run{
			Argv:    []string{fl.python, compileScriptPath, appDir},
			Env:     compileKV,
			Network: llbgen.NetNone,
		},
	})
	if len(app.Run.Writable) > 0 {
		// chown -R: a directory that comes with the sources (data/ with a
		// seed file) becomes the user's too; the final image's COPY of
		// /app keeps the owners.
		argv := []string{"sh", "-c", `set -eu; o=$1; shift; for d; do mkdir -p "$d"; chown -R "$o" "$d"; done`, "writable", presets.UserString(app)}
		for _, d := range app.Run.Writable {
			argv = append(argv, path.Join(appDir, d))
		}
		st.Steps = append(st.Steps, llbgen.Step{
			Reason: "[run] writable: directories the app keeps state in, owned by the runtime user (the rest of " + appDir + " stays root's)", Key: "run.writable",
			Run: &llbgen.Run{Argv: argv, Network: llbgen.NetNone},
		})
	}
	return st
}

// stdlibDrop is what the scratch image leaves out of the standard library:
// tests, IDLE, tkinter, turtle, ensurepip, pydoc's data, Debian's config
// hooks, and modules for interactive terminals or Berkeley DB whose shared
// libraries would otherwise come along (dbm falls back to dbm.sqlite3).
var stdlibDrop = []string{
	"test", "idlelib", "tkinter", "turtledemo", "turtle.py", "ensurepip", "pydoc_data", "lib2to3",
	"__phello__", "__hello__.py", "EXTERNALLY-MANAGED", "sitecustomize.py", "_distutils_system_mod.py",
	"lib-dynload/_test*", "lib-dynload/_ctypes_test*", "lib-dynload/xx*", "lib-dynload/_xxtestfuzz*",
	"lib-dynload/readline.*", "lib-dynload/_curses*", "lib-dynload/_dbm.*",
}

// officialDrop is what the official images' tree has beyond Debian's
// stdlib that images leave out: the interpreter's own site-packages (pip;
// the app's packages are in the venv), the build configuration directory
// (Makefile, config.c, a link to the static library) and _tkinter (the
// slim images have no Tk: it would not load).
var officialDrop = []string{"site-packages", "config-3.*", "lib-dynload/_tkinter*"}

// rootfsScript assembles the scratch image's system files under argv[1]:
// the interpreter, the trimmed stdlib as one compressed zip of hash-based
// bytecode (on sys.path by default; python.org's embeddable distribution
// ships its stdlib the same way: tracebacks through the stdlib show file and
// line but not the source text), the extension modules as files, CA
// certificates and tzdata. Everything is sorted and dated 1980,
// so the same inputs give the same bytes.
const rootfsScript = `"""slimfront: assemble a scratch image's Python under ROOT."""
import ast, compileall, glob, hashlib, json, os, py_compile, shutil, subprocess, sys, zipfile

GRAPH = "/slimfront/stdlib-imports.json"  # outside ROOT: read by slimfront closure --stdlib-graph


def import_graph(stage, out=GRAPH):
    """The stdlib's imports under stage (a copy of lib/pythonX.Y) by top-level name: {"tops": {top:
    [top-level names its modules import]}, "startup": [top-level names loaded once this interpreter
    has started (site, encodings, ...)]}. Read with ast: import and from-import statements anywhere
    in a module (functions, try blocks, conditions), relative ones resolved against the module's
    package, and importlib.import_module / __import__ calls with a literal name. A module that
    does not parse imports "*" (everything). Top-level granularity is the package rule: reaching
    any module of a package reaches all its modules (data-driven imports such as the encodings
    search function, dbm's _names, xml.sax's parser list stay inside their package)."""
    tops = {}
    for dirpath, dirs, files in os.walk(stage):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), stage)[:-3].split(os.sep)
            pkg = rel[:-1]  # the package of rel (a module's directory; __init__ is its package's)
            found = tops.setdefault(rel[0], set())
            try:
                with open(os.path.join(dirpath, f), "rb") as fh:
                    tree = ast.parse(fh.read())
            except (SyntaxError, ValueError):
                found.add("*")
                continue
            for n in ast.walk(tree):
                if isinstance(n, ast.Import):
                    found.update(a.name.split(".")[0] for a in n.names)
                elif isinstance(n, ast.ImportFrom):
                    if n.level == 0:
                        found.add(n.module.split(".")[0])
                    elif n.level - 1 < len(pkg):
                        found.add(pkg[0])
                elif isinstance(n, ast.Call) and n.args and isinstance(n.args[0], ast.Constant) and isinstance(n.args[0].value, str):
                    fn = n.func
                    name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
                    if name in ("import_module", "__import__") and n.args[0].value[:1] not in ("", "."):
                        found.add(n.args[0].value.split(".")[0])
    startup = subprocess.run([sys.executable, "-c", "import sys; print(' '.join(sorted(sys.modules)))"],
                             capture_output=True, text=True, check=True).stdout.split()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        json.dump({"tops": {t: sorted(v - {t}) for t, v in sorted(tops.items())},
                   "startup": sorted({m.split(".")[0] for m in startup})}, fh, indent=0, sort_keys=True)


def write_zip(stage, path, mode="w", only=None):
    """The bytecode and data files under stage into the zip at path, sorted and dated 1980 (same
    inputs, same bytes); only: the relative paths to write (all when None)."""
    with zipfile.ZipFile(path, mode) as z:
        for dirpath, dirs, files in sorted(os.walk(stage)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(".py"):
                    continue  # bytecode only, like python.org's embeddable distribution
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, stage)
                if only is not None and rel not in only:
                    continue
                info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with open(full, "rb") as fh:
                    z.writestr(info, fh.read(), compresslevel=9)


def per_cpu(rel):
    """Whether the stdlib file rel differs between CPUs: sysconfig's build-time variables
    (_sysconfigdata__linux_<triplet>.py, Debian's layout); every other file is the same."""
    return os.path.basename(rel).startswith("_sysconfigdata_")


def sums(stage):
    """{relative path: sha256} of the staged stdlib's files, per-CPU ones left out."""
    out = {}
    for dirpath, dirs, files in os.walk(stage):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), stage)
            if not per_cpu(rel):
                with open(os.path.join(dirpath, f), "rb") as fh:
                    out[rel] = hashlib.sha256(fh.read()).hexdigest()
    return out


def compile_stdlib(stage, zip_path):
    ok = compileall.compile_dir(stage, quiet=1, legacy=True, workers=0, stripdir=stage, prependdir=zip_path,
                                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    if not ok:
        sys.exit("slimfront: compiling the standard library failed")


def main():
    args = sys.argv[1:]
    system, zip_from, make_zip = True, None, None
    while args and args[0].startswith("--"):
        flag = args.pop(0)
        if flag == "--no-system":  # the base has CA certificates and tzdata
            system = False
        elif flag == "--zip-from":  # DIR: a zip of an identical stdlib, compiled once for every platform
            zip_from = args.pop(0)
        elif flag == "--make-zip":  # DIR: write that zip and its manifest there, nothing else
            make_zip = args.pop(0)
    root, python, version, *drop = args
    prefix = os.path.dirname(os.path.dirname(python))  # /usr (Debian's) or /usr/local (python.org's layout)
    lib = prefix + "/lib/python" + version
    stage = "/tmp/stdlib"
    zip_path = prefix + "/lib/python%s.zip" % version.replace(".", "")

    def mkdir(p):
        os.makedirs(root + p, exist_ok=True)

    if make_zip is None:
        mkdir(prefix + "/bin")
        shutil.copy2(python, root + python)
        os.symlink(os.path.basename(python), root + prefix + "/bin/python3")

    shutil.copytree(lib, stage, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for pattern in drop:
        for p in glob.glob(os.path.join(stage, pattern)):
            shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
    # Extension modules stay files (the loader maps them); os.py is getpath's landmark for sys.prefix.
    if make_zip is None:
        mkdir(lib)
        shutil.copytree(stage + "/lib-dynload", root + lib + "/lib-dynload")
        shutil.copy2(stage + "/os.py", root + lib + "/os.py")
    shutil.rmtree(stage + "/lib-dynload")
    for dirpath, dirs, files in os.walk(stage):
        for f in files:
            if os.path.islink(os.path.join(dirpath, f)):
                os.remove(os.path.join(dirpath, f))  # Debian's links into /etc

    if make_zip is not None:
        for d, _, fs in os.walk(stage):
            for f in fs:
                if per_cpu(f):
                    os.remove(os.path.join(d, f))  # each platform compiles its own
        os.makedirs(make_zip, exist_ok=True)
        with open(make_zip + "/manifest.json", "w") as fh:
            json.dump(sums(stage), fh, indent=0, sort_keys=True)  # the sources, before their bytecode is beside them
        import_graph(stage, make_zip + "/stdlib-imports.json")
        compile_stdlib(stage, zip_path)
        write_zip(stage, make_zip + "/stdlib.zip")
        shutil.rmtree(stage)
        return

    reused = False
    if zip_from is not None:
        with open(zip_from + "/manifest.json") as fh:
            want = json.load(fh)
        have = sums(stage)
        if have == want:
            own = [os.path.relpath(os.path.join(d, f), stage) for d, _, fs in os.walk(stage) for f in fs if per_cpu(f) and f.endswith(".py")]
            for rel in own:
                py_compile.compile(os.path.join(stage, rel), cfile=os.path.join(stage, rel + "c"), dfile=zip_path + "/" + rel,
                                   doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            shutil.copyfile(zip_from + "/stdlib.zip", root + zip_path)
            write_zip(stage, root + zip_path, mode="a", only={rel + "c" for rel in own})
            os.makedirs(os.path.dirname(GRAPH), exist_ok=True)
            shutil.copyfile(zip_from + "/stdlib-imports.json", GRAPH)  # same sources, same imports
            print("slimfront: stdlib bytecode and import graph made once for every platform (the sources are the same); compiled here: " + ", ".join(sorted(own)))
            reused = True
        else:
            diff = sorted(set(have.items()) ^ set(want.items()))
            print("slimfront: this stdlib differs from the build platform's in %d files (e.g. %s): compiling it here" % (len(diff), diff[0][0]))
    if not reused:
        import_graph(stage)
        compile_stdlib(stage, zip_path)
        write_zip(stage, root + zip_path)
    shutil.rmtree(stage)

    if not system:
        return
    mkdir("/etc/ssl/certs")
    shutil.copy2("/etc/ssl/certs/ca-certificates.crt", root + "/etc/ssl/certs/")
    mkdir("/usr/share")
    shutil.copytree("/usr/share/zoneinfo", root + "/usr/share/zoneinfo", symlinks=True,
                    ignore=lambda d, names: [n for n in names if d == "/usr/share/zoneinfo" and n in ("right", "posix", "tzdata.zi")])


if __name__ == "__main__":  # compileall's forkserver workers import this file
    main()
`

// rootfsScriptPath is where rootfsScript is written in the rootfs stage.
const rootfsScriptPath = "/usr/local/lib/slimfront/rootfs.py"

// rootfsStage assembles the image's Python under /rootfs: the interpreter,
// the trimmed and compiled stdlib, and with system (scratch) CA
// certificates and tzdata; distroless cc has those. The shared libraries
// the interpreter (libpython, for the official images' tree), the stdlib's
// and the venv's extension modules load come from a presets.Closure over
// this stage.
func rootfsStage(fl flavor, system bool) llbgen.Stage {
	argv := []string{fl.python, rootfsScriptPath}
	what := "interpreter, stdlib zip without tests/idle/tkinter/ensurepip, extension modules, CA certificates, tzdata"
	reason := "scratch: exactly the system files the interpreter and the venv need"
	if !system {
		argv = append(argv, "--no-system")
		what = "interpreter, stdlib zip without tests/idle/tkinter/ensurepip/pip, extension modules"
		reason = "the official image's interpreter tree, trimmed: what the interpreter and the venv need"
	}
	var mounts []llbgen.Mount
	if !fl.official {
		argv = append(argv, "--zip-from", stdlibZipDir)
		mounts = []llbgen.Mount{{Target: stdlibZipDir, From: stdlibStageName, Source: stdlibZipDir}}
		what += " (the stdlib's bytecode from the stdlib stage when the sources are the same)"
	}
	argv = append(append(argv, rootfs, fl.python, fl.version), stdlibDrop...)
	if fl.official {
		argv = append(argv, officialDrop...)
	}
	return llbgen.Stage{
		Name:   "rootfs",
		Reason: reason,
		Base:   llbgen.Base{Stage: "deps"},
		Where:  llbgen.OnTarget,
		Steps: []llbgen.Step{
			{Reason: "the assembly script", File: &llbgen.File{Path: rootfsScriptPath, Data: []byte(rootfsScript), Mode: 0o644}},
			{Reason: what, Run: &llbgen.Run{Argv: argv, Env: compileKV, Network: llbgen.NetNone, Mounts: mounts}},
		},
	}
}

// stdlibStageName and stdlibZipDir: the stage that compiles Debian's
// stdlib once and where it writes stdlib.zip and manifest.json.
const (
	stdlibStageName = "stdlib"
	stdlibZipDir    = "/stdlibzip"
)

// stdlibStage compiles the builder's Debian stdlib (trimmed like the
// rootfs's) into stdlib.zip with a manifest of the sources' SHA-256, per
// file, leaving out the per-CPU _sysconfigdata module, and writes the
// stdlib's import graph (stdlib-imports.json) beside them. It is based on the
// python stage and placed where that stage is (where: OnTarget natively,
// OnBuild in cross builds), so for linux/amd64 and a cross-built
// linux/arm64 on an amd64 builder it is the same LLB and BuildKit runs it
// once for both platforms. Each rootfs stage compares its own stdlib with
// the manifest (distroless python3-debian13 for arm64 ships the same
// files as the amd64 builder's python3.13, except _sysconfigdata) and takes
// the zip and the graph, adding its own _sysconfigdata's bytecode, or
// compiles its stdlib and reads its imports itself when a file differs.
func stdlibStage(fl flavor, where llbgen.Where) llbgen.Stage {
	argv := append([]string{fl.python, rootfsScriptPath, "--make-zip", stdlibZipDir, "/tmp/unused", fl.python, fl.version}, stdlibDrop...)
	return llbgen.Stage{
		Name:   stdlibStageName,
		Reason: "the standard library's bytecode, compiled once for every platform of the build (its sources do not depend on the CPU)",
		Base:   llbgen.Base{Stage: "python"},
		Where:  where,
		Steps: []llbgen.Step{
			{Reason: "the assembly script", File: &llbgen.File{Path: rootfsScriptPath, Data: []byte(rootfsScript), Mode: 0o644}},
			{Reason: "stdlib zip without tests/idle/tkinter/ensurepip and without the per-CPU _sysconfigdata, and the manifest of its sources",
				Run: &llbgen.Run{Argv: argv, Env: compileKV, Network: llbgen.NetNone}},
		},
	}
}

// stdlibGraph is where rootfsScript writes the stdlib's import graph
// (GRAPH in the script), outside the rootfs: the closure reads it.
const stdlibGraph = "/slimfront/stdlib-imports.json"

// stdlibFor is the presets.Stdlib of a rootfs stage's closure: lib-dynload
// under /rootfs (dynload), at the image's stdlib path, the graph
// rootfsScript writes, the app's sources (the stage src's appDir, and the
// project stage's files when proj is not "") and as roots every word of
// the entrypoint and of the [env] values that could name a module (`-m
// http.server`, PYTHONWARNINGS' categories): the closure ignores those
// that are not stdlib modules.
func stdlibFor(app *descriptor.App, fl flavor, dynload, src, proj string, ep entry) *presets.Stdlib {
	s := &presets.Stdlib{Dynload: dynload, Dest: fl.stdlib() + "/lib-dynload", Graph: stdlibGraph,
		Sources: []llbgen.Mount{{From: src, Source: appDir}}}
	if proj != "" {
		s.Sources = append(s.Sources, llbgen.Mount{From: proj, Source: projRoot})
	}
	seen := map[string]bool{}
	words := slices.Clone(ep.argv)
	for _, kv := range app.Env {
		words = append(words, strings.FieldsFunc(kv.Value, func(r rune) bool { return strings.ContainsRune(" ,:;=", r) })...)
	}
	for _, w := range words {
		if moduleRE.MatchString(w) && !seen[w] {
			seen[w] = true
			s.Roots = append(s.Roots, w)
		}
	}
	return s
}

// dynloadExclude is the Copy exclude pattern (relative to /rootfs) that
// leaves std's lib-dynload out of the copy of /rootfs: the closure brings
// the modules that stay.
func dynloadExclude(std *presets.Stdlib) []string {
	return []string{strings.TrimPrefix(std.Dest, "/")}
}

// scratchStage is an empty image plus the system files assembled in the
// stage from (interpreter, stdlib, CA bundle, tzdata), the venv and the
// shared libraries collected by the closure stage libs (its Trees), the
// account files of the non-root user and nsswitch.conf.
func scratchStage(from, libs string, std *presets.Stdlib, uid, gid int) llbgen.Stage {
	return base.ScratchFinal{
		Reason: "scratch: the interpreter, its libraries, the venv and the app; no shell",
		System: []llbgen.Step{
			{Reason: "interpreter, stdlib, CA certificates, tzdata (the extension modules come with the closure)", Copy: &llbgen.Copy{From: from, Src: []string{rootfs}, Dest: "/", Exclude: dynloadExclude(std)}},
			presets.CopyClosureTrees(libs, venvWhat+", compiled, and the stdlib's extension modules something imports,"),
		},
		Etc: []llbgen.Step{{Reason: "name lookups from /etc/hosts, then DNS", File: &llbgen.File{Path: "/etc/nsswitch.conf", Data: []byte("hosts: files dns\n"), Mode: 0o644}}},
	}.Stage(uid, gid)
}
