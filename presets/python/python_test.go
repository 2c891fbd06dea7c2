package python

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/presettest"
)

var (
	amd64 = presettest.Amd64
	h     = presettest.Harness{Language: "python", Preset: New()}
)

// The three examples' descriptors, with the preset left to fill in.
var apps = map[string]string{
	"flask": `# syntax=org/slimfront
language   = "python"
entrypoint = "app.py"
deps       = ["requirements.txt"]
port       = 8080
preset     = "%s"
`,
	"falcon": `# syntax=org/slimfront
language   = "python"
entrypoint = ["gunicorn", "--workers", "2", "app:app"]
deps       = ["requirements.txt"]
preset     = "%s"
port       = 8000
[build]
packages   = ["git"]
`,
	"django": `# syntax=org/slimfront
language   = "python"
entrypoint = ["gunicorn", "site.wsgi"]
deps       = ["requirements.txt"]
preset     = "%s"
port       = 8000
[env]
DJANGO_SETTINGS_MODULE = "site.settings"
[build]
script = "python manage.py collectstatic --noinput"
`,
	"poetry": `# syntax=org/slimfront
language   = "python"
entrypoint = ["svc-serve"]
deps       = ["pyproject.toml", "poetry.lock"]
preset     = "%s"
`,
	"uv": `# syntax=org/slimfront
language   = "python"
entrypoint = ["python", "-m", "server"]
deps       = ["pyproject.toml", "uv.lock"]
preset     = "%s"
`,
}

func TestPlansMatchGoldenForEveryBase(t *testing.T) {
	for name, src := range apps {
		for _, base := range New().Bases() {
			t.Run(name+"/"+base, func(t *testing.T) {
				presettest.Golden(t, name+"-"+base, h.Plan(t, presettest.WithBase(src, base)))
			})
		}
	}
}

func TestDependenciesInstallBeforeAndApartFromSources(t *testing.T) {
	for _, name := range []string{"flask", "uv"} {
		p := h.Plan(t, presettest.WithBase(apps[name], "distroless"))
		deps := presettest.Stage(t, p, "deps")
		if c := deps.Steps[0].Copy; c == nil || c.From != llbgen.Context || strings.Contains(strings.Join(c.Src, " "), ".py") {
			t.Fatalf("%s: first deps step must copy only the manifests: %s", name, llbgen.Describe(deps.Steps[0]))
		}
		if deps.Steps[1].Run == nil || len(deps.Steps[1].Run.Caches) == 0 {
			t.Errorf("%s: the install must run with a cache mount: %s", name, llbgen.Describe(deps.Steps[1]))
		}
		for _, s := range deps.Steps {
			if s.Copy != nil && s.Copy.From == llbgen.Context && strings.Contains(strings.Join(s.Copy.Src, " "), ".") && len(s.Copy.Src) == 1 && s.Copy.Src[0] == "." {
				t.Errorf("%s: deps stage copies the sources", name)
			}
		}
		app := presettest.Stage(t, p, "app")
		if app.Base.Stage != "python" {
			t.Errorf("%s: the app stage must not depend on the deps stage (base %q)", name, app.Base.Stage)
		}
	}
}

func TestBuildToolsStayInTheBuilder(t *testing.T) {
	for _, base := range New().Bases() {
		p := h.Plan(t, presettest.WithBase(apps["falcon"], base))
		final := presettest.Final(t, p)
		for _, s := range final.Steps {
			if c := s.Copy; c != nil {
				for _, src := range c.Src {
					if strings.HasPrefix(src, tools) || src == "/" {
						t.Errorf("%s: final image copies %s", base, src)
					}
				}
			}
			if s.Run != nil {
				t.Errorf("%s: final stage runs %s", base, llbgen.Describe(s))
			}
		}
		b := presettest.Stage(t, p, "python")
		joined := ""
		for _, s := range b.Steps {
			joined += stepText(s) + "\n"
		}
		if !strings.Contains(joined, "git") || !strings.Contains(joined, "--without-pip "+venv) {
			t.Errorf("%s: builder must install git and create the venv without pip:\n%s", base, joined)
		}
	}
}

func TestFinalImagesRunAsNonRootWithoutWritingBytecode(t *testing.T) {
	for _, base := range New().Bases() {
		p := h.Plan(t, presettest.WithBase(apps["flask"], base))
		if p.Image.User != "65532:65532" {
			t.Errorf("%s: user %q", base, p.Image.User)
		}
		env := map[string]string{}
		for _, kv := range p.Image.Env {
			env[kv.Key] = kv.Value
		}
		if env["PYTHONDONTWRITEBYTECODE"] != "1" || env["PYTHONUNBUFFERED"] != "1" || !strings.HasPrefix(env["PATH"], venv+"/bin:") {
			t.Errorf("%s: env %v", base, env)
		}
		if got := strings.Join(p.Image.Entrypoint, " "); got != venv+"/bin/python /app/app.py" {
			t.Errorf("%s: entrypoint %q", base, got)
		}
	}
}

func TestScratchImageHasTheClosureStep(t *testing.T) {
	p := h.Plan(t, presettest.WithBase(apps["falcon"], "scratch"))
	libs := presettest.Stage(t, p, "libs")
	argv := strings.Join(libs.Steps[0].Run.Argv, " ")
	if !strings.Contains(argv, "closure ") || !strings.Contains(argv, " --tree "+venv+" ") || !strings.HasSuffix(argv, " /usr/bin/python3.13") ||
		!strings.Contains(argv, " --stdlib-ext "+rootfs+"/usr/lib/python3.13/lib-dynload=/usr/lib/python3.13/lib-dynload --stdlib-graph "+stdlibGraph+" --sources /sources/0 ") {
		t.Errorf("no closure of the interpreter, the reachable extension modules of lib-dynload and the venv: %s", argv)
	}
	if m := libs.Steps[0].Run.Mounts; len(m) != 2 || m[0].From != "rootfs" || m[1] != (llbgen.Mount{Target: "/sources/0", From: "app", Source: appDir}) {
		t.Errorf("the closure reads the rootfs stage and the app's sources: %+v", m)
	}
	final := presettest.Final(t, p)
	if !final.Base.Scratch {
		t.Errorf("final stage is not scratch")
	}
	// lib-dynload comes from the closure, not from /rootfs
	for _, s := range final.Steps {
		if c := s.Copy; c != nil && c.From == "rootfs" && !slices.Equal(c.Exclude, []string{"usr/lib/python3.13/lib-dynload"}) {
			t.Errorf("the copy of /rootfs does not leave lib-dynload to the closure: %+v", c)
		}
	}
	// [run] trim = false: every extension module, no reachability
	p = h.Plan(t, presettest.WithBase(apps["falcon"], "scratch")+"[run]\ntrim = false\n")
	argv = strings.Join(presettest.Stage(t, p, "libs").Steps[0].Run.Argv, " ")
	if !strings.Contains(argv, " --stdlib-ext ") || strings.Contains(argv, "--stdlib-graph") || strings.Contains(argv, "--sources") {
		t.Errorf("trim = false: %s", argv)
	}
}

func TestEntrypoints(t *testing.T) {
	cases := []struct {
		ep     string
		argv   string
		script string
		module string
		check  string
	}{
		{`"app.py"`, "/opt/venv/bin/python /app/app.py", "", "", "app.py"},
		{`"./src/main.py"`, "/opt/venv/bin/python /app/src/main.py", "", "", "src/main.py"},
		{`"mypkg"`, "/opt/venv/bin/python /app/mypkg", "", "", "mypkg/__main__.py"},
		{`["gunicorn", "-b", "0.0.0.0:80", "web.wsgi:application"]`, "/opt/venv/bin/gunicorn -b 0.0.0.0:80 web.wsgi:application", "gunicorn", "web.wsgi", ""},
		{`["uvicorn", "main:app", "--host", "0.0.0.0"]`, "/opt/venv/bin/uvicorn main:app --host 0.0.0.0", "uvicorn", "main", ""},
		{`["python", "-m", "server"]`, "/opt/venv/bin/python -m server", "", "server", ""},
		{`["python3", "-u", "run.py", "--fast"]`, "/opt/venv/bin/python -u run.py --fast", "", "", "run.py"},
		{`["manage.py", "runserver"]`, "/opt/venv/bin/python manage.py runserver", "", "", "manage.py"},
		{`["/usr/bin/python3.13", "x.py"]`, "/usr/bin/python3.13 x.py", "", "", ""},
	}
	for _, c := range cases {
		app := h.Parse(t, "language = \"python\"\nentrypoint = "+c.ep+"\npreset = \"distroless\"\n")
		e, err := parseEntrypoint(app, flavor{version: "3.13"})
		if err != nil {
			t.Errorf("%s: %v", c.ep, err)
			continue
		}
		check := ""
		if len(e.checks) > 0 {
			check = e.checks[0].Path
		}
		if got := strings.Join(e.argv, " "); got != c.argv || e.script != c.script || e.module != c.module || check != c.check {
			t.Errorf("%s: argv %q script %q module %q check %q; want %q %q %q %q", c.ep, got, e.script, e.module, check, c.argv, c.script, c.module, c.check)
		}
	}
}

func TestBadDescriptorsFailAtTheirKey(t *testing.T) {
	cases := []struct{ src, want string }{
		{"language = \"python\"\nentrypoint = \"app.py\"\npreset = \"distroless\"\nversion = \"3.10\"\n", `slim.toml:4:1: version: Python version "3.10" is not available with preset "distroless"; valid: 3.11, 3.12, 3.13, 3.14`},
		{"language = \"python\"\nentrypoint = \"app.py\"\npreset = \"scratch\"\nversion = \"3.13.5\"\n", `give MAJOR.MINOR`},
		{"language = \"python\"\nentrypoint = \"app.py\"\npreset = \"alpine\"\nversion = \"3.9\"\n", `valid: 3.10, 3.11, 3.12, 3.13, 3.14`},
		{"language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"poetry.lock\"]\npreset = \"distroless\"\n", `slim.toml:3:1: deps: poetry.lock is read with the pyproject.toml it was locked from; list exactly that one next to it: deps = ["pyproject.toml", "poetry.lock"]`},
		{"language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"uv.lock\"]\npreset = \"distroless\"\n", `deps = ["pyproject.toml", "uv.lock"]`},
		{"language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"svc/pyproject.toml\", \"pdm.lock\"]\npreset = \"distroless\"\n", `deps = ["pyproject.toml", "pdm.lock"]`},
		{"language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"Pipfile\"]\npreset = \"distroless\"\n", "run `pipenv lock` and list both"},
		{"language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"pyproject.toml\", \"uv.lock\", \"poetry.lock\"]\npreset = \"distroless\"\n", `several lockfiles in deps (uv.lock, poetry.lock)`},
		{"language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"setup.cfg\"]\npreset = \"distroless\"\n", `slim.toml:3:9: deps[0]: unknown Python dependency file "setup.cfg"; valid: requirements files`},
		{"language = \"python\"\nentrypoint = [\"bin/run\"]\npreset = \"distroless\"\n", `give a console script name`},
	}
	for _, c := range cases {
		_, err := New().Plan(h.Parse(t, c.src), presets.Target{Build: amd64, Platform: amd64})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want it to contain %q", c.src, err, c.want)
		}
		if _, ok := err.(*descriptor.Error); err != nil && !ok {
			t.Errorf("%q: error %T is not a located *descriptor.Error", c.src, err)
		}
	}
}

func TestVersionSelectsTheAlpineImage(t *testing.T) {
	p := h.Plan(t, "language = \"python\"\nentrypoint = \"app.py\"\npreset = \"alpine\"\nversion = \"3.12\"\n")
	if got := p.Stages[0].Base.Image; got != "python:3.12-alpine" {
		t.Errorf("builder %q", got)
	}
	if got := presettest.Final(t, p).Base.Image; got != "python:3.12-alpine" {
		t.Errorf("final %q", got)
	}
	all := ""
	for _, st := range p.Stages {
		for _, s := range st.Steps {
			all += stepText(s) + "\n"
		}
	}
	if !strings.Contains(all, "/usr/local/bin/python3.12 -m venv --without-pip /opt/venv") {
		t.Errorf("alpine venv must use the image's /usr/local/bin/python3.12")
	}
}

func TestDefaultsToRequirementsTxt(t *testing.T) {
	p := h.Plan(t, "language = \"python\"\nentrypoint = \"app.py\"\npreset = \"distroless\"\n")
	found := false
	for _, c := range p.Checks {
		found = found || (c.Path == "requirements.txt" && c.File)
	}
	if !found {
		t.Errorf("checks %v lack requirements.txt", p.Checks)
	}
}

// The Python snippets the preset writes must at least compile (with any
// Python 3 on the test machine).
func TestEmbeddedPythonCompiles(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine")
	}
	for name, src := range map[string]string{"sigterm": sigtermModule, "rootfs": rootfsScript, "compile": compileScript, "findspec": findSpecScript, "ispackage": isPackageScript, "sourceless": sourcelessScript} {
		out, err := exec.Command(py, "-c", "import sys; compile(sys.argv[1], sys.argv[2], 'exec')", src, name).CombinedOutput()
		if err != nil {
			t.Errorf("%s does not compile: %v\n%s", name, err, out)
		}
	}
}

// stepText is a step's full command line (Describe shortens inline scripts).
func stepText(s llbgen.Step) string {
	if s.Run != nil {
		return strings.Join(s.Run.Argv, " ")
	}
	return llbgen.Describe(s)
}

// The closure's stdlib roots: the entrypoint's and [env]'s words that
// could name a module (the closure ignores those that are not stdlib
// modules), not paths.
func TestStdlibRootsFromEntrypointAndEnv(t *testing.T) {
	p := h.Plan(t, presettest.WithBase(apps["falcon"], "scratch")+"[env]\nPYTHONWARNINGS = \"ignore::DeprecationWarning:decimal\"\n")
	argv := strings.Join(presettest.Stage(t, p, "libs").Steps[0].Run.Argv, " ")
	if !strings.Contains(argv, " --stdlib-root decimal ") || strings.Contains(argv, "--stdlib-root /") {
		t.Errorf("stdlib roots: %s", argv)
	}
}

// TestLocalDistributionsInDeps: a source distribution or wheel listed in
// deps beside the requirements file that names it by path is copied with
// the manifests, so the install (before the sources) finds it; it is not
// read as a requirements file.
func TestLocalDistributionsInDeps(t *testing.T) {
	src := "language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"requirements.txt\", \"vendor/hellocext-1.0.tar.gz\", \"vendor/pure-2.0-py3-none-any.whl\"]\npreset = \"distroless\"\n"
	for _, hs := range []presettest.Harness{h, arm64} {
		plan := hs.Plan(t, src)
		deps := presettest.Stage(t, plan, "deps")
		c := deps.Steps[0].Copy
		if c == nil || !slices.Equal(c.Src, []string{"requirements.txt", "vendor/hellocext-1.0.tar.gz", "vendor/pure-2.0-py3-none-any.whl"}) {
			t.Errorf("the deps stage's first step does not copy the requirements file and the distributions: %s", llbgen.Describe(deps.Steps[0]))
		}
		i := slices.IndexFunc(deps.Steps, func(s llbgen.Step) bool { return s.Key == "deps" && s.Run != nil })
		if argv := strings.Join(deps.Steps[i].Run.Argv, " "); !strings.HasSuffix(argv, "-r requirements.txt") {
			t.Errorf("the install reads more than requirements.txt: %s", argv)
		}
	}
}
