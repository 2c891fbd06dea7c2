package python

import (
	"github.com/slimfront/slimfront/presets/presettest"
	"reflect"
	"strings"
	"testing"
)

func TestDetectPicksDepsAndEntrypoint(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		entry string
		path  string
		argv  []string
		deps  []string
		port  int
		note  string // in Notes
	}{
		{name: "requirements beat pyproject", files: map[string]string{"requirements.txt": "", "pyproject.toml": "", "main.py": "PORT = 8000\n"},
			path: "main.py", deps: []string{"requirements.txt"}, port: 8000, note: "pyproject.toml is not in deps"},
		{name: "uv lockfile", files: map[string]string{"requirements.txt": "", "pyproject.toml": "", "uv.lock": "", "app.py": ""},
			path: "app.py", deps: []string{"pyproject.toml", "uv.lock"}},
		{name: "flask app without __main__ goes to gunicorn", files: map[string]string{"requirements.txt": "flask\n", "app.py": "from flask import Flask\napp = Flask(__name__)\n"},
			argv: []string{"gunicorn", "app:app"}, deps: []string{"requirements.txt"}, port: 8000},
		{name: "package with __main__", files: map[string]string{"pyproject.toml": "", "svc/__main__.py": "run(port=9000)\n", "svc/__init__.py": ""},
			path: "svc", deps: []string{"pyproject.toml"}, port: 9000},
		{name: "from --entrypoint", entry: "./tools/serve.py", files: map[string]string{"requirements.txt": "", "app.py": "", "tools/serve.py": ""},
			path: "tools/serve.py", deps: []string{"requirements.txt"}},
		{name: "poetry lockfile", files: map[string]string{"pyproject.toml": "", "poetry.lock": "", "app.py": ""},
			path: "app.py", deps: []string{"pyproject.toml", "poetry.lock"}},
		{name: "pdm lockfile", files: map[string]string{"pyproject.toml": "", "pdm.lock": "", "app.py": ""},
			path: "app.py", deps: []string{"pyproject.toml", "pdm.lock"}},
		{name: "pipenv lockfile", files: map[string]string{"Pipfile": "", "Pipfile.lock": "", "app.py": ""},
			path: "app.py", deps: []string{"Pipfile", "Pipfile.lock"}},
		{name: "django project", files: map[string]string{"requirements.txt": "django\ngunicorn\n", "app.py": "",
			"manage.py":        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n",
			"conf/__init__.py": "", "conf/wsgi.py": "application = get_wsgi_application()\n",
			"conf/settings.py": "STATIC_ROOT = BASE_DIR / \"static_out\"\n"},
			argv: []string{"gunicorn", "conf.wsgi"}, deps: []string{"requirements.txt"}, port: 8000},
		{name: "console script of a src/ package", files: map[string]string{"pyproject.toml": "[project]\nname='a'\n[project.scripts]\na-serve = 'a.web:main'\n[build-system]\nrequires=['hatchling']\n",
			"uv.lock": "", "src/a/__init__.py": "", "src/a/web.py": "PORT = 8123\n"},
			argv: []string{"a-serve"}, deps: []string{"pyproject.toml", "uv.lock"}, port: 8123},
		{name: ".python-version", files: map[string]string{"requirements.txt": "", "app.py": "", ".python-version": "3.12\n"},
			path: "app.py", deps: []string{"requirements.txt"}, note: `# version = "3.12"     # Python MAJOR.MINOR; without it the build takes 3.12, as .python-version says`},
		{name: "requires-python", files: map[string]string{"pyproject.toml": "[project]\nrequires-python = \">=3.11,<3.13\"\ndependencies = []\n", "app.py": ""},
			path: "app.py", deps: []string{"pyproject.toml"}, note: `# version = "3.12"     # Python MAJOR.MINOR; without it the build takes 3.12, the newest pyproject.toml's requires-python allows`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Preset{}.Detect(presettest.Tree(t, tc.files), tc.entry)
			if err != nil {
				t.Fatal(err)
			}
			if d.Path != tc.path || !reflect.DeepEqual(d.Argv, tc.argv) || !reflect.DeepEqual(d.Deps, tc.deps) || d.Port != tc.port {
				t.Errorf("got path %q argv %q deps %q port %d; want %q %q %q %d", d.Path, d.Argv, d.Deps, d.Port, tc.path, tc.argv, tc.deps, tc.port)
			}
			if notes := strings.Join(d.Notes, "\n"); !strings.Contains(notes, tc.note) {
				t.Errorf("notes lack %q:\n%s", tc.note, notes)
			}
		})
	}
}

func TestDetectFailsWhenItCannotTell(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"no source":     {map[string]string{"requirements.txt": ""}, "no Python source found next to requirements.txt"},
		"no entry":      {map[string]string{"requirements.txt": "", "b.py": "", "a.py": ""}, "candidates: a.py, b.py"},
		"two wsgi apps": {map[string]string{"requirements.txt": "", "a.py": "app = Flask(__name__)\n", "b.py": "api = falcon.API()\n"}, "several WSGI apps: a:app, b:api"},
	} {
		if _, err := (Preset{}).Detect(presettest.Tree(t, tc.files), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}

// A Django project whose settings set STATIC_ROOT gets collectstatic as
// its build script and STATIC_ROOT in .dockerignore; without STATIC_ROOT
// there is no script.
func TestDetectDjangoCollectstatic(t *testing.T) {
	files := map[string]string{"requirements.txt": "django\n", "manage.py": `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site1.settings")`,
		"site1/__init__.py": "", "site1/wsgi.py": "", "site1/settings.py": "STATIC_ROOT = os.path.join(BASE_DIR, 'collected')\n"}
	d, err := New().Detect(presettest.Tree(t, files), "")
	if err != nil {
		t.Fatal(err)
	}
	if d.BuildScript != "python manage.py collectstatic --noinput" || !reflect.DeepEqual(d.Ignore, []string{"/collected/"}) || !strings.Contains(d.EntryNote, "add gunicorn") {
		t.Errorf("script %q ignore %q note %q", d.BuildScript, d.Ignore, d.EntryNote)
	}
	files["site1/settings.py"] = "DEBUG = True\n"
	if d, err = New().Detect(presettest.Tree(t, files), ""); err != nil || d.BuildScript != "" {
		t.Errorf("without STATIC_ROOT: script %q, err %v", d.BuildScript, err)
	}
}

// slim init's web frameworks: a FastAPI or Starlette ASGI app is served by
// uvicorn on 0.0.0.0:8000 (the comment says to add uvicorn when the deps
// lack it, following -r includes); a Flask app by gunicorn when gunicorn
// is a dependency, else by its own __main__; requirements split under
// requirements/ are detected by their production file.
func TestDetectWebFrameworks(t *testing.T) {
	fastapi := "from fastapi import FastAPI\n\napp = FastAPI(title=\"shop\")\n"
	flaskMain := "from flask import Flask\napp = Flask(__name__)\nif __name__ == \"__main__\":\n    app.run(port=5000)\n"
	for _, tc := range []struct {
		name    string
		files   map[string]string
		path    string
		argv    []string
		deps    []string
		port    int
		note    string // in EntryNote
		notNote string // not in EntryNote
	}{
		{name: "fastapi with uvicorn", files: map[string]string{"requirements.txt": "fastapi==0.115.0\nuvicorn[standard]==0.30.0\n", "main.py": fastapi},
			argv: []string{"uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"}, deps: []string{"requirements.txt"}, port: 8000,
			note: "FastAPI ASGI app in main.py, served by uvicorn", notNote: "not in"},
		{name: "fastapi without uvicorn", files: map[string]string{"requirements.txt": "fastapi\n", "main.py": fastapi},
			argv: []string{"uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"}, deps: []string{"requirements.txt"}, port: 8000,
			note: "uvicorn is not in requirements.txt: add it"},
		{name: "starlette in a package, uvicorn in pyproject", files: map[string]string{"pyproject.toml": "[project]\ndependencies = [\"starlette\", \"uvicorn\"]\n", "uv.lock": "",
			"api/__init__.py": "", "api/web.py": "from starlette.applications import Starlette\nweb_app = Starlette(routes=[])\n"},
			argv: []string{"uvicorn", "api.web:web_app", "--host", "0.0.0.0", "--port", "8000"}, deps: []string{"pyproject.toml", "uv.lock"}, port: 8000,
			note: "Starlette ASGI app in api/web.py", notNote: "not in"},
		{name: "uvicorn in an included file", files: map[string]string{"requirements.txt": "-r requirements-base.txt\nfastapi\n", "requirements-base.txt": "uvicorn\n", "main.py": fastapi},
			argv: []string{"uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"}, deps: []string{"requirements.txt"}, port: 8000, notNote: "not in"},
		{name: "flask with gunicorn", files: map[string]string{"requirements.txt": "flask\ngunicorn\n", "app.py": flaskMain},
			argv: []string{"gunicorn", "app:app"}, deps: []string{"requirements.txt"}, port: 8000, notNote: "add gunicorn"},
		{name: "flask without gunicorn runs its own __main__", files: map[string]string{"requirements.txt": "flask\n", "app.py": flaskMain},
			path: "app.py", deps: []string{"requirements.txt"}, port: 5000},
		{name: "layered requirements", files: map[string]string{"requirements/prod.txt": "-r base.txt\ngunicorn\n", "requirements/base.txt": "flask\n",
			"requirements/dev.txt": "-r base.txt\npytest\n", "app.py": "from flask import Flask\napp = Flask(__name__)\n"},
			argv: []string{"gunicorn", "app:app"}, deps: []string{"requirements/prod.txt"}, port: 8000, notNote: "add gunicorn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Preset{}.Detect(presettest.Tree(t, tc.files), "")
			if err != nil {
				t.Fatal(err)
			}
			if d.Path != tc.path || !reflect.DeepEqual(d.Argv, tc.argv) || !reflect.DeepEqual(d.Deps, tc.deps) || d.Port != tc.port {
				t.Errorf("got path %q argv %q deps %q port %d; want %q %q %q %d", d.Path, d.Argv, d.Deps, d.Port, tc.path, tc.argv, tc.deps, tc.port)
			}
			if !strings.Contains(d.EntryNote, tc.note) || (tc.notNote != "" && strings.Contains(d.EntryNote, tc.notNote)) {
				t.Errorf("entry note %q: want %q in it and not %q", d.EntryNote, tc.note, tc.notNote)
			}
		})
	}
	_, err := Preset{}.Detect(presettest.Tree(t, map[string]string{"requirements.txt": "fastapi\nuvicorn\n", "a.py": fastapi, "b.py": "api = Starlette()\n"}), "")
	if err == nil || !strings.Contains(err.Error(), "several ASGI apps: a:app, b:api") {
		t.Errorf("two ASGI apps: %v", err)
	}
}
