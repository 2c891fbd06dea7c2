package python

import (
	"fmt"

	toml "github.com/pelletier/go-toml/v2"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/slimfront/slimfront/presets"
)

// Info describes Python to slim init and bench: an app with a
// requirements.txt, a pyproject.toml, a Pipfile or production requirements
// in requirements/ (layeredRequirements), sources in .py files.
func (Preset) Info() presets.LanguageInfo {
	return presets.LanguageInfo{Name: "Python", Markers: []string{"requirements.txt", "pyproject.toml", "Pipfile", layeredRequirements[0], layeredRequirements[1]}, SourceExt: ".py"}
}

// wsgiApp finds a module-level WSGI application object: `app = Flask(...)`,
// `app = falcon.App(...)` (and falcon's older `falcon.API(...)`).
var wsgiApp = regexp.MustCompile(`(?m)^([A-Za-z_]\w*)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(?:flask\.)?(?:Flask|falcon\.App|falcon\.API)\(`)

// asgiApp finds a module-level ASGI application object: `app =
// FastAPI(...)` (or fastapi.FastAPI), `app = Starlette(...)` (or
// starlette.applications.Starlette).
var asgiApp = regexp.MustCompile(`(?m)^([A-Za-z_]\w*)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(?:fastapi\.|starlette\.applications\.|applications\.)?(FastAPI|Starlette)\(`)

// layeredRequirements are the production files of requirements split per
// environment (requirements/base.txt included by prod.txt and dev.txt),
// in order of preference, when there is no requirements.txt.
var layeredRequirements = []string{"requirements/prod.txt", "requirements/production.txt"}

// conventionalScripts are the conventional script names, in order of preference.
var conventionalScripts = []string{"app.py", "main.py", "server.py", "run.py", "wsgi.py"}

// Detect picks the deps (pyproject.toml + uv.lock, else requirements.txt,
// else pyproject.toml) and the entrypoint of the app in dir: entry when
// not "" (a script or package), else a Django project (detectDjango), a
// single [project.scripts] console script (detectConsoleScript), a
// FastAPI/Starlette ASGI app served by uvicorn (detectASGI), a Flask/falcon
// WSGI app served by gunicorn (when gunicorn is a dependency or the script
// does not run the app itself), else app.py / main.py / server.py /
// run.py, else the only package with a __main__.py. It fails, listing the
// candidates, when there are several WSGI or ASGI apps or no obvious
// script.
func (Preset) Detect(dir, entry string) (*presets.Detection, error) {
	d := &presets.Detection{}
	has := func(f string) bool { return presets.IsFile(filepath.Join(dir, f)) }
	switch {
	case has("pyproject.toml") && has("uv.lock"):
		d.Deps = []string{"pyproject.toml", "uv.lock"}
		d.DepsNote = "installed with uv sync --locked --no-dev from the lockfile, before the sources are copied; the project itself after them"
	case has("pyproject.toml") && has("poetry.lock"):
		d.Deps = []string{"pyproject.toml", "poetry.lock"}
		d.DepsNote = "the main group of poetry.lock (poetry export in the builder), installed before the sources are copied"
	case has("pyproject.toml") && has("pdm.lock"):
		d.Deps = []string{"pyproject.toml", "pdm.lock"}
		d.DepsNote = "the production packages of pdm.lock (pdm export --prod in the builder), installed before the sources are copied"
	case has("Pipfile") && has("Pipfile.lock"):
		d.Deps = []string{"Pipfile", "Pipfile.lock"}
		d.DepsNote = "the default packages of Pipfile.lock (pipenv requirements in the builder), installed before the sources are copied"
	case has("requirements.txt"):
		d.Deps = []string{"requirements.txt"}
		d.DepsNote = "installed with pip into a virtualenv before the sources are copied: a code edit keeps them cached"
		if has("pyproject.toml") {
			d.Notes = append(d.Notes, "# pyproject.toml is not in deps: the python preset takes requirements files or pyproject.toml, not both")
		}
	case has(layeredRequirements[0]) || has(layeredRequirements[1]):
		d.Deps = []string{layeredRequirements[0]}
		if !has(layeredRequirements[0]) {
			d.Deps = []string{layeredRequirements[1]}
		}
		d.DepsNote = "the production requirements; the files they include with -r/-c are followed and copied with them, before the sources; the others (dev, test) are not installed"
	default:
		d.Deps = []string{"pyproject.toml"}
		d.DepsNote = "the [project] dependencies of pyproject.toml, installed before the sources are copied"
		if has("Pipfile") && !has("pyproject.toml") {
			d.Deps = []string{"Pipfile", "Pipfile.lock"}
			d.DepsNote = "Pipfile.lock does not exist yet: run `pipenv lock` (the image installs from the lock)"
		}
	}

	// Source files: top-level modules and the modules of top-level packages.
	var srcs []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		switch {
		case !e.IsDir() && strings.HasSuffix(e.Name(), ".py") && !strings.HasPrefix(e.Name(), "test"):
			srcs = append(srcs, e.Name())
		case e.IsDir() && !presets.SkipDir(e.Name()) && e.Name() != "tests" && has(filepath.Join(e.Name(), "__init__.py")):
			sub, _ := os.ReadDir(filepath.Join(dir, e.Name()))
			for _, s := range sub {
				if !s.IsDir() && strings.HasSuffix(s.Name(), ".py") {
					srcs = append(srcs, e.Name()+"/"+s.Name())
				}
			}
		}
	}

	if entry != "" {
		d.Path = strings.TrimPrefix(path.Clean(filepath.ToSlash(entry)), "./")
		d.EntryNote = "the script to run (from --entrypoint)"
		d.Port, d.PortNote = presets.FindPort(dir, []string{d.Path})
		return withVersionNote(dir, d), nil
	}

	if detectDjango(dir, d) || detectConsoleScript(dir, d) {
		return withVersionNote(dir, d), nil
	}

	// WSGI and ASGI objects: module:variable references for gunicorn or uvicorn.
	type wsgi struct{ file, ref, framework string }
	var apps, asgi []wsgi
	for _, f := range srcs {
		head := presets.ReadHead(filepath.Join(dir, f))
		mod := strings.ReplaceAll(strings.TrimSuffix(strings.TrimSuffix(f, ".py"), "/__init__"), "/", ".")
		for _, m := range wsgiApp.FindAllSubmatch(head, -1) {
			apps = append(apps, wsgi{f, mod + ":" + string(m[1]), ""})
		}
		for _, m := range asgiApp.FindAllSubmatch(head, -1) {
			asgi = append(asgi, wsgi{f, mod + ":" + string(m[1]), string(m[2])})
		}
	}
	if len(asgi) > 0 && len(apps) == 0 {
		if len(asgi) > 1 {
			var refs []string
			for _, a := range asgi {
				refs = append(refs, a.ref)
			}
			return nil, fmt.Errorf("%s has several ASGI apps: %s; choose one by writing entrypoint = [\"uvicorn\", \"%s\", \"--host\", \"0.0.0.0\", \"--port\", \"8000\"] yourself", dir, strings.Join(refs, ", "), refs[0])
		}
		detectASGI(dir, d, asgi[0].file, asgi[0].ref, asgi[0].framework)
		return withVersionNote(dir, d), nil
	}
	if len(apps) > 1 { // prefer the conventional file names
		for _, name := range conventionalScripts {
			for _, a := range apps {
				if a.file == name {
					apps = []wsgi{a}
					break
				}
			}
		}
	}
	script := ""
	for _, s := range conventionalScripts {
		if has(s) && s != "wsgi.py" {
			script = s
			break
		}
	}
	gunicorn := mentionsDep(dir, d.Deps, "gunicorn")
	switch {
	case len(apps) == 1 && (gunicorn || script == "" || !strings.Contains(string(presets.ReadHead(filepath.Join(dir, script))), "__main__")):
		d.Argv = []string{"gunicorn", apps[0].ref}
		d.EntryNote = fmt.Sprintf("the WSGI app in %s, served by gunicorn (it binds 0.0.0.0:$PORT)", apps[0].file)
		if !gunicorn {
			d.EntryNote += "; add gunicorn to " + d.Deps[0]
		}
		d.Port, d.PortNote = 8000, "gunicorn's default; the image sets PORT from this key and gunicorn binds it"
	case len(apps) > 1:
		var refs []string
		for _, a := range apps {
			refs = append(refs, a.ref)
		}
		return nil, fmt.Errorf("%s has several WSGI apps: %s; choose one with --entrypoint, or write entrypoint = [\"gunicorn\", \"%s\"] yourself", dir, strings.Join(refs, ", "), refs[0])
	case script != "":
		d.Path = script
		d.EntryNote = "the script the image runs with the virtualenv's python"
		d.Port, d.PortNote = presets.FindPort(dir, []string{script})
	default:
		var pkgs []string
		for _, e := range ents {
			if e.IsDir() && has(filepath.Join(e.Name(), "__main__.py")) {
				pkgs = append(pkgs, e.Name())
			}
		}
		if len(pkgs) == 1 {
			d.Path = pkgs[0]
			d.EntryNote = "the package with __main__.py (python -m " + pkgs[0] + ")"
			d.Port, d.PortNote = presets.FindPort(dir, []string{pkgs[0] + "/__main__.py"})
			break
		}
		cands := append(pkgs, srcs...)
		if len(cands) == 0 {
			return nil, fmt.Errorf("%s: no Python source found next to %s; slim init needs the script to run", dir, d.Deps[0])
		}
		if len(cands) > 8 {
			cands = append(cands[:8], "...")
		}
		return nil, fmt.Errorf("%s: cannot tell which Python file starts the app (no app.py, main.py or WSGI app); choose one with --entrypoint, candidates: %s", dir, strings.Join(cands, ", "))
	}
	return withVersionNote(dir, d), nil
}

// withVersionNote adds the commented-out version key to d, with the
// version a build would take from .python-version or requires-python
// (versionNote), and returns d.
func withVersionNote(dir string, d *presets.Detection) *presets.Detection {
	d.Notes = append(d.Notes, versionNote(dir, d.Deps))
	return d
}

// djangoSettingsRE finds the settings module manage.py sets
// (os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings"), as
// django-admin startproject writes it).
var djangoSettingsRE = regexp.MustCompile(`DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][\w.]*)["']`)

// staticRootRE finds STATIC_ROOT's directory in a settings module:
// BASE_DIR / "staticfiles", os.path.join(BASE_DIR, "staticfiles") or a
// plain string.
var staticRootRE = regexp.MustCompile(`(?m)^STATIC_ROOT\s*=\s*(?:BASE_DIR\s*/\s*|os\.path\.join\(\s*BASE_DIR\s*,\s*)?["']([\w./-]+)["']`)

// detectDjango fills d for a Django project in dir (manage.py naming its
// settings module, whose package has wsgi.py): gunicorn serving
// <package>.wsgi on 8000, and, when the settings set STATIC_ROOT,
// `python manage.py collectstatic --noinput` as the [build] script, with
// STATIC_ROOT in .dockerignore (a local collectstatic's output is not
// sent). It reports whether it found one.
func detectDjango(dir string, d *presets.Detection) bool {
	m := djangoSettingsRE.FindSubmatch(presets.ReadHead(filepath.Join(dir, "manage.py")))
	if m == nil {
		return false
	}
	settings := string(m[1])
	pkg := settings // a settings module at the top level has no package: no wsgi.py is found
	if i := strings.LastIndex(settings, "."); i > 0 {
		pkg = settings[:i]
	}
	if !presets.IsFile(filepath.Join(dir, filepath.FromSlash(strings.ReplaceAll(pkg, ".", "/")), "wsgi.py")) {
		return false
	}
	d.Argv = []string{"gunicorn", pkg + ".wsgi"}
	d.EntryNote = fmt.Sprintf("Django: %s/wsgi.py (settings %s, from manage.py), served by gunicorn (it binds 0.0.0.0:$PORT)", strings.ReplaceAll(pkg, ".", "/"), settings)
	if len(d.Deps) > 0 && !mentionsDep(dir, d.Deps, "gunicorn") {
		d.EntryNote += "; add gunicorn to " + d.Deps[0]
	}
	d.Port, d.PortNote = 8000, "gunicorn's default; the image sets PORT from this key and gunicorn binds it"
	settingsFile := filepath.Join(dir, filepath.FromSlash(strings.ReplaceAll(settings, ".", "/"))+".py")
	if sm := staticRootRE.FindSubmatch(presets.ReadHead(settingsFile)); sm != nil {
		d.BuildScript = "python manage.py collectstatic --noinput"
		d.BuildNote = fmt.Sprintf("STATIC_ROOT (%s) is filled at build time with the venv and the sources, and kept in the image", sm[1])
		d.Ignore = append(d.Ignore, "/"+strings.Trim(string(sm[1]), "/")+"/")
	}
	return true
}

// detectConsoleScript fills d when pyproject.toml in dir declares exactly
// one console script ([project.scripts], PEP 621) and a build system: the
// image installs the project and runs that script. The port is looked for
// in the module the script points at (src/ layout or flat). It reports
// whether it found one.
func detectConsoleScript(dir string, d *presets.Detection) bool {
	var py struct {
		Project struct {
			Scripts map[string]string `toml:"scripts"`
		} `toml:"project"`
		BuildSystem map[string]any `toml:"build-system"`
	}
	if toml.Unmarshal(presets.ReadHead(filepath.Join(dir, "pyproject.toml")), &py) != nil || len(py.Project.Scripts) != 1 || py.BuildSystem == nil {
		return false
	}
	for name, target := range py.Project.Scripts {
		d.Argv = []string{name}
		d.EntryNote = fmt.Sprintf("the console script of [project.scripts] (%s), installed with the project after its dependencies", target)
		mod := strings.ReplaceAll(strings.SplitN(target, ":", 2)[0], ".", "/")
		var files []string
		for _, f := range []string{"src/" + mod + ".py", mod + ".py", "src/" + mod + "/__init__.py", mod + "/__init__.py"} {
			if presets.IsFile(filepath.Join(dir, filepath.FromSlash(f))) {
				files = append(files, f)
			}
		}
		d.Port, d.PortNote = presets.FindPort(dir, files)
	}
	return true
}

// detectASGI fills d for the ASGI app ref (module:variable) of a
// framework ("FastAPI", "Starlette") found in file: uvicorn serving it on
// 0.0.0.0:8000 (uvicorn reads no PORT variable, so the port is in the
// argv and in the port key). uvicorn has to be a dependency (the image
// runs its console script); when the deps do not name it, the entrypoint's
// comment says to add it.
func detectASGI(dir string, d *presets.Detection, file, ref, framework string) {
	d.Argv = []string{"uvicorn", ref, "--host", "0.0.0.0", "--port", "8000"}
	d.EntryNote = fmt.Sprintf("the %s ASGI app in %s, served by uvicorn on all interfaces", framework, file)
	if !mentionsDep(dir, d.Deps, "uvicorn") {
		d.EntryNote += fmt.Sprintf("; uvicorn is not in %s: add it (the image runs its console script)", d.Deps[0])
	}
	d.Port, d.PortNote = 8000, "uvicorn's --port in the entrypoint; change both together"
}

// mentionsDep reports whether the dependency manifest among deps (the
// first one, as slim init lists it; lockfiles are not read) names the
// package pkg, following the -r/-c includes of a requirements file
// (parseIncludes) within dir.
func mentionsDep(dir string, deps []string, pkg string) bool {
	if len(deps) == 0 {
		return false
	}
	files := []string{deps[0]}
	seen := map[string]bool{}
	for i := 0; i < len(files); i++ {
		f := files[i]
		if seen[f] {
			continue
		}
		seen[f] = true
		if presets.Mentions(dir, []string{f}, pkg) {
			return true
		}
		if !strings.HasSuffix(f, ".txt") && !strings.HasSuffix(f, ".in") {
			continue
		}
		for _, inc := range parseIncludes(presets.ReadHead(filepath.Join(dir, filepath.FromSlash(f)))) {
			if t := path.Clean(path.Join(path.Dir(f), inc.target)); !path.IsAbs(t) && !strings.HasPrefix(t, "../") && t != ".." {
				files = append(files, t)
			}
		}
	}
	return false
}
