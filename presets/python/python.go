// Package python is the Python preset: dependencies installed into a
// virtualenv in a builder stage before any source is copied, bytecode
// compiled reproducibly at build time, on distroless python3, alpine or
// scratch (interpreter + trimmed stdlib + the exact shared-library closure).
package python

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

// DefaultVersion is the Python used when the descriptor names none: the one
// Debian trixie (and so distroless python3-debian13) ships.
const DefaultVersion = "3.13"

// debianVersion is the only Python the Debian-based presets can provide.
const debianVersion = "3.13"

// alpineVersions are the python:<v>-alpine tags the alpine preset accepts.
var alpineVersions = []string{"3.10", "3.11", "3.12", "3.13", "3.14"}

const (
	venv     = "/opt/venv"  // the app's virtualenv, same path in builder and image
	tools    = "/opt/tools" // pip (and uv) for installing into venv; never in the image
	srcDir   = "/src"       // dependency manifests in the builder
	appDir   = "/app"       // the app's sources in the image
	rootfs   = "/rootfs"    // scratch: the image's files, assembled in a builder
	pipCache = "/root/.cache/pip"
	uvCache  = "/root/.cache/uv"
	// epoch for SOURCE_DATE_EPOCH in compile steps; unchecked-hash pycs
	// carry a source hash, not a time, so any fixed value is reproducible.
	epoch = "0"
)

// Preset is the Python preset. Its zero value plans from the descriptor
// alone; WithContext gives it the build context's files, from which it
// chooses the Python version (chooseVersion).
type Preset struct {
	files presets.ContextFiles
}

// WithContext returns the preset reading .python-version and
// pyproject.toml's requires-python through files (presets.ContextPlanner).
func (Preset) WithContext(files presets.ContextFiles) presets.Preset { return Preset{files: files} }

// New returns the Python preset.
func New() Preset { return Preset{} }

// Language returns "python", the descriptor's language value.
func (Preset) Language() string { return "python" }

// Bases returns every base: distroless python3, python:<v>-alpine, and
// scratch with Debian's interpreter and its shared-library closure.
func (Preset) Bases() []string { return base.Names(base.All()) }

// flavor is what differs between Debian's Python, the official images'
// and alpine builds.
type flavor struct {
	version string
	builder string // builder image
	final   string // final image ("" for scratch)
	python  string // absolute path of the interpreter, identical in builder and image
	alpine  bool
	// official: the interpreter is the official python:<v>-slim-trixie
	// image's, built into /usr/local (libpython3.X.so in /usr/local/lib);
	// distroless then starts from cc-debian13 and takes the trimmed tree.
	official bool
	source   string // where the version came from, for reasons: "" (descriptor/default), ".python-version", "requires-python"
}

// prefix is the interpreter's installation prefix ("/usr" for Debian's,
// "/usr/local" for the official images'): the stdlib is in
// prefix/lib/pythonX.Y.
func (f flavor) prefix() string { return path.Dir(path.Dir(f.python)) }

// stdlib is the standard library's directory (prefix/lib/pythonX.Y).
func (f flavor) stdlib() string { return f.prefix() + "/lib/python" + f.version }

// sourceNote says, for a final stage's reason, which context file chose
// the version ("" when the descriptor or the default did).
func (f flavor) sourceNote() string {
	switch f.source {
	case "":
		return ""
	case "requires-python":
		return "; " + f.version + " is the newest version requires-python allows"
	default:
		return "; " + f.version + " as " + f.source + " says"
	}
}

// venvWhat names the venv in step reasons.
const venvWhat = "the virtualenv with the dependencies (no pip, setuptools or wheel)"

func (f flavor) sitePackages() string {
	return venv + "/lib/python" + f.version + "/site-packages"
}

// Plan builds the Plan for one target platform t (builder stages run on
// the target platform: wheels with extension modules build there; for
// another CPU than the build platform's they run on the build platform
// and install the target's wheels, without emulation: cross.go), with the
// final stage on app.Preset, which must be one of Bases
// (presets.Registry.Plan checks it). Errors are *descriptor.Error at the key
// at fault (version, entrypoint, deps, build.script, run.packages), or
// errors naming .python-version or pyproject.toml when the version chosen
// from them is not available (chooseVersion).
func (p Preset) Plan(app *descriptor.App, t presets.Target) (llbgen.Plan, error) {
	choice, err := chooseVersion(app, p.files)
	if err != nil {
		return llbgen.Plan{}, err
	}
	fl, err := pickFlavor(app, choice)
	if err != nil {
		return llbgen.Plan{}, err
	}
	cx, err := crossFor(app, t, fl) // nil: builders on the target
	if err != nil {
		return llbgen.Plan{}, err
	}
	ep, err := parseEntrypoint(app, fl)
	if err != nil {
		return llbgen.Plan{}, err
	}
	inst, err := parseDeps(app)
	if err != nil {
		return llbgen.Plan{}, err
	}
	if err := followIncludes(app, p.files, &inst); err != nil { // -r/-c includes become manifests (requirements.go)
		return llbgen.Plan{}, err
	}
	uid, gid := presets.Owner(app)

	plan := llbgen.Plan{Checks: append(append(inst.checks, ep.checks...), presets.IncludeChecks(app)...)}
	builder := builderStage(app, fl, inst)
	deps := depsStage(app, fl, inst, ep)
	if cx != nil {
		cs, err := cx.builders(cx.runtimeStage(base.Base(app.Preset) == base.Distroless), builder, deps, inst)
		if err != nil {
			return llbgen.Plan{}, err
		}
		plan.Stages = append(plan.Stages, cs...)
	} else {
		plan.Stages = append(plan.Stages, builder, deps)
	}
	proj := ""
	if inst.pyproject != "" {
		ps := projectStage(app, fl, inst, ep)
		if cx != nil {
			ps = cx.project(ps)
		}
		plan.Stages = append(plan.Stages, ps)
		proj = ps.Name
	}
	src := appStage(app, fl, ep, proj)
	src.Where = cx.where()
	if len(app.Run.Writable) > 0 && app.Build.Script == "" {
		src.Reason = "the app's sources, compiled, with the writable directories; runs in parallel with the dependency install"
	}
	plan.Stages = append(plan.Stages, src)

	var final llbgen.Stage
	bs := base.Base(app.Preset)
	if cx != nil { // another CPU: cross.go's target-platform stages only copy
		var more []llbgen.Stage
		more, final = cx.finalStages(app, t, fl, stdlibFor(app, fl, rootfs+"/usr/lib/python"+fl.version+"/lib-dynload", src.Name, proj, ep), uid, gid)
		plan.Stages = append(plan.Stages, more...)
		bs = ""
	}
	switch bs {
	case base.Distroless:
		runtime := llbgen.Stage{Name: "runtime", Reason: "the distroless base, read by the closure for the libraries it already has",
			Base: llbgen.Base{Image: fl.final}, Where: llbgen.OnTarget}
		if fl.official {
			// cc-debian13 has glibc, OpenSSL, libstdc++, CA certificates
			// and tzdata; the interpreter tree and what it loads beyond
			// that come from the official image.
			rs := rootfsStage(fl, false)
			std := stdlibFor(app, fl, rootfs+fl.stdlib()+"/lib-dynload", src.Name, proj, ep)
			libs := presets.Closure{Name: "libs", From: rs.Name, Trees: []string{venv}, Trim: !app.Run.NoTrim, Keep: app.Run.Keep, Sourceless: app.Run.Sourceless,
				Entries: []string{fl.python}, Have: runtime.Name, Stdlib: std}.Stage(t)
			plan.Stages = append(plan.Stages, runtime, rs, libs)
			final = llbgen.Stage{Name: "final", Reason: fmt.Sprintf("distroless cc: glibc, OpenSSL, CA certificates, tzdata, no shell; plus Python %s from python:%s-slim-trixie at the builder's path%s", fl.version, fl.version, fl.sourceNote()),
				Base: llbgen.Base{Image: fl.final}, Steps: []llbgen.Step{
					{Reason: "the interpreter and its trimmed stdlib (libpython and the extension modules come with the closure)", Copy: &llbgen.Copy{From: rs.Name, Src: []string{rootfs + "/"}, Dest: "/", Exclude: dynloadExclude(std)}},
					presets.CopyClosureTrees(libs.Name, venvWhat),
				}}
			break
		}
		libs := presets.Closure{Name: "libs", From: deps.Name, Trees: []string{venv}, Trim: !app.Run.NoTrim, Keep: app.Run.Keep, Sourceless: app.Run.Sourceless, Have: runtime.Name}.Stage(t)
		plan.Stages = append(plan.Stages, runtime, libs)
		final = llbgen.Stage{Name: "final", Reason: "distroless python3: Debian's python3.13 at the builder's path, CA certificates, tzdata, no shell" + fl.sourceNote(),
			Base: llbgen.Base{Image: fl.final}, Steps: []llbgen.Step{presets.CopyClosureTrees(libs.Name, venvWhat)}}
	case base.Alpine:
		// python:<v>-alpine is not alpine:3.22: its own account files are
		// read by running it (on the target platform).
		plan.Stages = append(plan.Stages, base.AccountsFrom{
			Reason: "add the non-root user to the base's account files",
			Base:   llbgen.Base{Image: fl.final},
			Where:  llbgen.OnTarget,
			Get:    llbgen.Step{Reason: "the base's account files", Run: &llbgen.Run{Argv: []string{"sh", "-c", "mkdir -p /accounts && cp /etc/passwd /etc/group /accounts/"}, Network: llbgen.NetNone}},
		}.Stage(uid, gid))
		final = llbgen.Stage{Name: "final", Reason: "python alpine: musl Python with a small userland and a shell, for debugging", Base: llbgen.Base{Image: fl.final}}
		final.Steps = base.UseAccounts("the non-root user, merged into the base's account files", uid, gid)
		if len(app.Run.Packages) > 0 {
			final.Steps = append(final.Steps, llbgen.Step{Reason: "runtime system packages the descriptor asked for", Key: "run.packages",
				Run: &llbgen.Run{Argv: append([]string{"apk", "add", "--no-cache"}, app.Run.Packages...)}})
		}
		// as on distroless: the venv without foreign prebuilds (glibc
		// builds in a musl image), plus the libraries its extensions load
		// that the base lacks (those of apk build packages)
		runtime := llbgen.Stage{Name: "runtime", Reason: "the alpine base, read by the closure for the libraries it already has",
			Base: llbgen.Base{Image: fl.final}, Where: llbgen.OnTarget}
		libs := presets.Closure{Name: "libs", From: deps.Name, Trees: []string{venv}, Trim: !app.Run.NoTrim, Keep: app.Run.Keep, Sourceless: app.Run.Sourceless, Have: runtime.Name}.Stage(t)
		plan.Stages = append(plan.Stages, runtime, libs)
		final.Steps = append(final.Steps, presets.CopyClosureTrees(libs.Name, venvWhat))
	case base.Scratch:
		if !fl.official {
			plan.Stages = append(plan.Stages, stdlibStage(fl, llbgen.OnTarget))
		}
		rs := rootfsStage(fl, true)
		std := stdlibFor(app, fl, rootfs+fl.stdlib()+"/lib-dynload", src.Name, proj, ep)
		libs := presets.Closure{Name: "libs", From: rs.Name, Trees: []string{venv}, Trim: !app.Run.NoTrim, Keep: app.Run.Keep, Sourceless: app.Run.Sourceless,
			Entries: []string{fl.python}, Stdlib: std}.Stage(t)
		plan.Stages = append(plan.Stages, rs, libs)
		final = scratchStage(rs.Name, libs.Name, std, uid, gid)
		final.Reason += fl.sourceNote()
	}
	final.Where = llbgen.OnTarget
	if proj != "" {
		final.Steps = append(final.Steps, projectCopy(proj))
	}
	// [run] include needs no step: the whole context (minus VCS data and
	// stale bytecode) is in /app already; IncludeChecks still verify the paths.
	final.Steps = append(final.Steps, llbgen.Step{
		Reason: "the app's sources and their bytecode, last because they change most often",
		Key:    "entrypoint",
		Copy:   &llbgen.Copy{From: src.Name, Src: []string{appDir}, Dest: appDir},
	})
	plan.Stages = append(plan.Stages, final)

	plan.Image = presets.RuntimeConfig(app, ep.argv, appDir)
	env := []llbgen.KV{
		{Key: "PATH", Value: venv + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		{Key: "VIRTUAL_ENV", Value: venv},
		{Key: "PYTHONDONTWRITEBYTECODE", Value: "1"},
		{Key: "PYTHONUNBUFFERED", Value: "1"},
	}
	if base.Base(app.Preset) == base.Scratch {
		env = append(env,
			llbgen.KV{Key: "SSL_CERT_FILE", Value: "/etc/ssl/certs/ca-certificates.crt"},
			llbgen.KV{Key: "LANG", Value: "C.UTF-8"})
	}
	plan.Image.Env = append(env, plan.Image.Env...) // the descriptor's env wins
	plan.Image.StopSignal = "SIGTERM"
	return plan, nil
}

var versionRE = regexp.MustCompile(`^3\.[0-9]+$`)

// pickFlavor turns the chosen version into the images and interpreter
// path of the plan: alpine takes python:<v>-alpine; distroless and scratch
// take Debian trixie's python3.13 for 3.13 (final python3-debian13) and the
// official python:<v>-slim-trixie for 3.11, 3.12 and 3.14 (final
// cc-debian13 plus its interpreter tree). Errors: a *descriptor.Error at
// the version key listing the valid versions.
func pickFlavor(app *descriptor.App, c versionChoice) (flavor, error) {
	v := c.version
	if v == "" || v == "3" {
		v = DefaultVersion
	}
	switch base.Base(app.Preset) {
	case base.Alpine:
		if !slices.Contains(alpineVersions, v) {
			return flavor{}, descriptor.Errorf(app, "version", "Python version %q is not available with preset \"alpine\" (python:<version>-alpine); valid: %s (MAJOR.MINOR; default %s)",
				app.Version, strings.Join(alpineVersions, ", "), DefaultVersion)
		}
		img := "python:" + v + "-alpine"
		return flavor{version: v, builder: img, final: img, python: "/usr/local/bin/python" + v, alpine: true, source: c.source}, nil
	default:
		if !slices.Contains(debianVersions, v) {
			hint := ""
			if versionRE.MatchString(v) && slices.Contains(alpineVersions, v) {
				hint = fmt.Sprintf(" (preset \"alpine\" provides %s)", v)
			} else if m := regexp.MustCompile(`^(3\.[0-9]+)\.[0-9]+$`).FindStringSubmatch(v); m != nil && slices.Contains(debianVersions, m[1]) {
				hint = " (the patch level is the image's; give MAJOR.MINOR)"
			}
			return flavor{}, descriptor.Errorf(app, "version", "Python version %q is not available with preset %q; valid: %s (MAJOR.MINOR: %s is Debian trixie's, as in gcr.io/distroless/python3-debian13; the others are the official python:<version>-slim-trixie images' on distroless cc-debian13; default %s)%s",
				app.Version, app.Preset, strings.Join(debianVersions, ", "), debianVersion, DefaultVersion, hint)
		}
		if v == debianVersion {
			f := flavor{version: v, builder: "debian:13-slim", python: "/usr/bin/python" + v, source: c.source}
			if base.Base(app.Preset) == base.Distroless {
				f.final = base.DistrolessImage("python3")
			}
			return f, nil
		}
		f := flavor{version: v, builder: "python:" + v + "-slim-trixie", python: "/usr/local/bin/python" + v, official: true, source: c.source}
		if base.Base(app.Preset) == base.Distroless {
			f.final = base.DistrolessImage("cc")
		}
		return f, nil
	}
}

// entry is the resolved entrypoint.
type entry struct {
	argv    []string // image entrypoint
	script  string   // console script that must be in the venv ("" if none)
	module  string   // top-level module that must be importable from /app ("" if none)
	checks  []llbgen.PathCheck
	display string // the descriptor's entrypoint, for messages
}

// moduleArgRE matches WSGI/ASGI app references such as "app:app",
// "pkg.web:create_app()" (gunicorn, uvicorn, hypercorn, waitress-serve).
var moduleArgRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*):[A-Za-z_][A-Za-z0-9_.]*(\(.*\))?$`)

var moduleRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

func parseEntrypoint(app *descriptor.App, fl flavor) (entry, error) {
	py := venv + "/bin/python"
	bad := func(msg string, args ...any) (entry, error) {
		return entry{}, descriptor.Errorf(app, "entrypoint", msg, args...)
	}
	inContext := func(p string) (string, bool) {
		c := path.Clean(strings.TrimPrefix(p, "./"))
		return c, c != "" && c != "." && !strings.HasPrefix(c, "/") && c != ".." && !strings.HasPrefix(c, "../")
	}
	if app.Entrypoint.Path != "" {
		p, ok := inContext(app.Entrypoint.Path)
		if !ok {
			return bad("Python entrypoint must be a script (\"app.py\") or a package directory with __main__.py inside the build context, or an argv array like [\"gunicorn\", \"app:app\"]")
		}
		e := entry{argv: []string{py, appDir + "/" + p}, display: app.Entrypoint.Path}
		if strings.HasSuffix(p, ".py") {
			e.checks = []llbgen.PathCheck{{Key: "entrypoint", Path: p, File: true}}
		} else {
			e.checks = []llbgen.PathCheck{{Key: "entrypoint", Path: p + "/__main__.py", File: true}}
		}
		return e, nil
	}
	argv := app.Entrypoint.Argv
	e := entry{display: strings.Join(argv, " ")}
	first := argv[0]
	switch {
	case first == "python" || first == "python3" || first == "python"+fl.version:
		e.argv = append([]string{py}, argv[1:]...)
		for i := 1; i < len(argv); i++ {
			a := argv[i]
			if a == "-m" && i+1 < len(argv) {
				if !moduleRE.MatchString(argv[i+1]) {
					return bad("%q is not a Python module name", argv[i+1])
				}
				e.module = argv[i+1]
				break
			}
			if strings.HasPrefix(a, "-") {
				if a == "-c" {
					break
				}
				continue
			}
			if p, ok := inContext(a); ok && strings.HasSuffix(p, ".py") {
				e.checks = append(e.checks, llbgen.PathCheck{Key: "entrypoint", Path: p, File: true})
			}
			break
		}
	case strings.HasSuffix(first, ".py"):
		p, ok := inContext(first)
		if !ok {
			return bad("script %q must be inside the build context", first)
		}
		e.argv = append([]string{py, p}, argv[1:]...)
		e.checks = []llbgen.PathCheck{{Key: "entrypoint", Path: p, File: true}}
	case path.IsAbs(first):
		e.argv = argv
	default:
		if strings.Contains(first, "/") {
			return bad("entrypoint %q: give a console script name (\"gunicorn\"), \"python\", a .py script in the context, or an absolute path", first)
		}
		e.script = first
		e.argv = append([]string{venv + "/bin/" + first}, argv[1:]...)
		for _, a := range argv[1:] {
			if m := moduleArgRE.FindStringSubmatch(a); m != nil {
				e.module = m[1]
				break
			}
		}
	}
	return e, nil
}

// Dependency managers whose lockfile the python preset reads, each with its
// own tool in the tools venv (never in the image).
const (
	kindRequirements = "requirements" // pip -r/-c
	kindPyproject    = "pyproject"    // [project] dependencies of pyproject.toml, no lock
	kindUV           = "uv"           // uv.lock: uv sync --locked
	kindPoetry       = "poetry"       // poetry.lock: poetry export (poetry-plugin-export)
	kindPDM          = "pdm"          // pdm.lock: pdm export
	kindPipenv       = "pipenv"       // Pipfile.lock: pipenv requirements
)

// installer is how dependencies get into the venv.
type installer struct {
	kind         string   // one of the kind* constants
	manifests    []string // files copied into /src before installing
	requirements []string // pip -r
	constraints  []string // pip -c
	pyproject    string   // the pyproject.toml in deps ("" when none): the project, installed after the deps when it is a package
	lock         string   // the lockfile (uv.lock, poetry.lock, pdm.lock, Pipfile.lock), "" when none
	checks       []llbgen.PathCheck
}

// lockNeeds is the manifest each lockfile is read with (next to it), the
// tool's own command that rewrites it when it is out of date, and how it is
// turned into the install.
var lockNeeds = map[string]struct{ kind, manifest, relock string }{
	"uv.lock":      {kindUV, "pyproject.toml", "uv lock"},
	"poetry.lock":  {kindPoetry, "pyproject.toml", "poetry lock"},
	"pdm.lock":     {kindPDM, "pyproject.toml", "pdm lock"},
	"Pipfile.lock": {kindPipenv, "Pipfile", "pipenv lock"},
}

// localDist reports whether a deps file name is a distribution archive
// (an sdist, *.tar.gz or *.zip, or a wheel) that a requirements file can
// install by path: deps copies it with the manifests, so the install,
// before the sources are copied, finds it.
func localDist(name string) bool {
	return strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".zip") || strings.HasSuffix(name, ".whl")
}

// parseDeps reads the deps key: requirements files (with constraints
// files), or one lockfile with the manifest it was made from (uv.lock,
// poetry.lock or pdm.lock with pyproject.toml, Pipfile.lock with Pipfile),
// or a pyproject.toml alone, and any local distribution archives
// (localDist) beside them. Errors are *descriptor.Error at deps[i] or
// deps, saying which combination is valid.
func parseDeps(app *descriptor.App) (installer, error) {
	in := installer{kind: kindRequirements}
	deps := app.Deps
	if len(deps) == 0 {
		deps = []string{"requirements.txt"}
		in.checks = append(in.checks, llbgen.PathCheck{Key: "deps", Path: "requirements.txt", File: true})
	} else {
		for i, d := range deps {
			in.checks = append(in.checks, llbgen.PathCheck{Key: fmt.Sprintf("deps[%d]", i), Path: d, File: true})
		}
	}
	var manifests, locks []string // pyproject.toml / Pipfile; lockfiles
	for i, d := range deps {
		in.manifests = append(in.manifests, d)
		base := path.Base(d)
		switch {
		case lockNeeds[base].kind != "":
			locks = append(locks, d)
		case base == "pyproject.toml" || base == "Pipfile":
			manifests = append(manifests, d)
		case strings.HasSuffix(base, ".txt") || strings.HasSuffix(base, ".in"):
			if strings.Contains(base, "constraint") {
				in.constraints = append(in.constraints, d)
			} else {
				in.requirements = append(in.requirements, d)
			}
		case localDist(base):
			// a source distribution or wheel a requirements file names by
			// path: copied with the manifests, installed from there
		default:
			return in, descriptor.Errorf(app, fmt.Sprintf("deps[%d]", i), "unknown Python dependency file %q; valid: requirements files (*.txt, constraints*.txt), pyproject.toml alone, or a lockfile with its manifest: pyproject.toml + uv.lock, poetry.lock or pdm.lock; Pipfile + Pipfile.lock; and local distributions the requirements name by path (*.tar.gz, *.zip, *.whl)", d)
		}
	}
	switch {
	case len(locks) > 1:
		return in, descriptor.Errorf(app, "deps", "several lockfiles in deps (%s); give the one your project is locked with, next to its manifest", strings.Join(locks, ", "))
	case len(locks) == 1:
		need := lockNeeds[path.Base(locks[0])]
		want := path.Join(path.Dir(locks[0]), need.manifest)
		if len(manifests) != 1 || manifests[0] != want {
			return in, descriptor.Errorf(app, "deps", "%s is read with the %s it was locked from; list exactly that one next to it: deps = [%q, %q]", path.Base(locks[0]), need.manifest, want, locks[0])
		}
		if len(in.requirements) > 0 || len(in.constraints) > 0 {
			return in, descriptor.Errorf(app, "deps", "give either %s with %s or requirements files, not both", path.Base(locks[0]), need.manifest)
		}
		in.kind, in.lock = need.kind, locks[0]
		if need.manifest == "pyproject.toml" {
			in.pyproject = want
		}
	case len(manifests) > 1:
		return in, descriptor.Errorf(app, "deps", "only one pyproject.toml or Pipfile is supported")
	case len(manifests) == 1 && path.Base(manifests[0]) == "Pipfile":
		return in, descriptor.Errorf(app, "deps", "Pipfile is installed from its lock: run `pipenv lock` and list both: deps = [%q, %q]", manifests[0], path.Join(path.Dir(manifests[0]), "Pipfile.lock"))
	case len(manifests) == 1:
		if len(in.requirements) > 0 {
			return in, descriptor.Errorf(app, "deps", "give either pyproject.toml or requirements files, not both")
		}
		in.kind, in.pyproject = kindPyproject, manifests[0]
	case len(in.requirements) == 0:
		return in, descriptor.Errorf(app, "deps", "no requirements file in deps; name one like \"requirements.txt\"")
	}
	return in, nil
}
