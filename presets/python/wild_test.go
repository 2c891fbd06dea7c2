package python

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets/presettest"
)

// [build] script runs in the app stage, which then starts from the deps
// stage (the venv), after the sources are copied and before they are
// compiled, network off, with the runtime [env] and then [build] env.
func TestBuildScriptRunsWithTheVenvAndTheSources(t *testing.T) {
	src := presettest.WithBase(apps["django"], "distroless") + "env = { DEBUG_BUILD = \"1\" }\n"
	p := h.Plan(t, src)
	app := presettest.Stage(t, p, "app")
	if app.Base.Stage != "deps" {
		t.Fatalf("app stage with a build script starts from %q, want the deps stage", app.Base.Stage)
	}
	idx := slices.IndexFunc(app.Steps, func(s llbgen.Step) bool { return s.Key == "build.script" })
	if idx < 1 {
		t.Fatalf("no build.script step after the source copy: %v", app.Steps)
	}
	run := app.Steps[idx].Run
	if strings.Join(run.Argv, " ") != "sh -c python manage.py collectstatic --noinput" || run.Network != llbgen.NetNone {
		t.Errorf("script step = %q network %v", run.Argv, run.Network)
	}
	if app.Steps[idx-1].Copy == nil || app.Steps[idx-1].Copy.Src[0] != "." {
		t.Errorf("the step before the script must copy the sources: %s", llbgen.Describe(app.Steps[idx-1]))
	}
	if !strings.Contains(stepText(app.Steps[idx+1]), compileScriptPath+" "+appDir) {
		t.Errorf("the sources must be compiled after the script: %s", stepText(app.Steps[idx+1]))
	}
	env := map[string]string{}
	for _, kv := range run.Env {
		env[kv.Key] = kv.Value
	}
	if env["DJANGO_SETTINGS_MODULE"] != "site.settings" || env["DEBUG_BUILD"] != "1" || !strings.HasPrefix(env["PATH"], venv+"/bin:") {
		t.Errorf("script env = %v; want [env], [build] env and the venv first on PATH", run.Env)
	}
	final := presettest.Final(t, p)
	last := final.Steps[len(final.Steps)-1]
	if last.Copy == nil || last.Copy.From != "app" || last.Copy.Src[0] != appDir {
		t.Errorf("the final image must take /app (with the script's output) from the app stage: %s", llbgen.Describe(last))
	}
}

// Each lockfile is read by its own manager's tool in the tools venv: it
// checks the lock against its manifest, exports the main group with hashes,
// and pip installs exactly that (--no-deps); the tool's and pip's caches
// are mounted and the sources are not in the stage yet.
func TestLockfilesAreExportedByTheirOwnTool(t *testing.T) {
	cases := []struct{ deps, tool, check, export string }{
		{`["pyproject.toml", "poetry.lock"]`, "poetry==", "poetry check --lock", "poetry export --only main"},
		{`["pyproject.toml", "pdm.lock"]`, "pdm==", "pdm lock --check", "pdm export --prod"},
		{`["Pipfile", "Pipfile.lock"]`, "pipenv==", "pipenv verify", "pipenv requirements --hash"},
		{`["pyproject.toml", "uv.lock"]`, "install -q uv", "--locked", "--no-dev"},
	}
	for _, c := range cases {
		p := h.Plan(t, "language = \"python\"\nentrypoint = \"app.py\"\npreset = \"scratch\"\ndeps = "+c.deps+"\n")
		builder := presettest.Stage(t, p, "python")
		if !slices.ContainsFunc(builder.Steps, func(s llbgen.Step) bool {
			return strings.Contains(stepText(s), tools+"/bin/pip install -q") && strings.Contains(stepText(s), c.tool)
		}) {
			t.Errorf("%s: the tools venv does not get %s", c.deps, c.tool)
		}
		deps := presettest.Stage(t, p, "deps")
		install := deps.Steps[1]
		text := stepText(install)
		for _, want := range []string{c.check, c.export} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: install step lacks %q: %s", c.deps, want, text)
			}
		}
		if !strings.Contains(c.tool, "uv") && !strings.Contains(text, "--no-deps -r /tmp/requirements.txt") {
			t.Errorf("%s: the export must be installed as it is (--no-deps): %s", c.deps, text)
		}
		if len(install.Run.Caches) == 0 || install.Key != "deps" {
			t.Errorf("%s: install without a cache mount or not at the deps key", c.deps)
		}
		for _, s := range deps.Steps {
			if s.Copy != nil && slices.Contains(s.Copy.Src, ".") {
				t.Errorf("%s: the deps stage copies the sources", c.deps)
			}
		}
	}
}

// A pyproject.toml in deps gets a project stage: it starts from deps (a
// source edit never reinstalls the dependencies), installs the project
// non-editable without deps under projRoot, checks the console script
// there, and the final image lays projRoot over the venv.
func TestProjectIsInstalledAfterItsDependencies(t *testing.T) {
	for _, b := range New().Bases() {
		p := h.Plan(t, presettest.WithBase(apps["poetry"], b))
		ps := presettest.Stage(t, p, "project")
		if ps.Base.Stage != "deps" {
			t.Errorf("%s: project stage starts from %q, want deps", b, ps.Base.Stage)
		}
		text := stepText(ps.Steps[1])
		for _, want := range []string{"install --no-deps", "--root " + projRoot + " ."} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: project install lacks %q: %s", b, want, text)
			}
		}
		if strings.Contains(text, "-e ") || strings.Contains(text, "--editable") {
			t.Errorf("%s: the project must not be editable: %s", b, text)
		}
		if !slices.ContainsFunc(ps.Steps, func(s llbgen.Step) bool {
			return s.Key == "entrypoint" && strings.Contains(stepText(s), "svc-serve "+projRoot)
		}) {
			t.Errorf("%s: no console-script check against the installed project", b)
		}
		deps := presettest.Stage(t, p, "deps")
		if slices.ContainsFunc(deps.Steps, func(s llbgen.Step) bool { return s.Key == "entrypoint" }) {
			t.Errorf("%s: the deps stage checks the console script, which the project provides", b)
		}
		final := presettest.Final(t, p)
		if !slices.ContainsFunc(final.Steps, func(s llbgen.Step) bool {
			return s.Copy != nil && s.Copy.From == "project" && s.Copy.Src[0] == projRoot+"/"
		}) {
			t.Errorf("%s: the final image does not take the project from its stage", b)
		}
	}
	p := h.Plan(t, presettest.WithBase(apps["flask"], "distroless"))
	for _, s := range p.Stages {
		if s.Name == "project" {
			t.Errorf("a requirements-only app has a project stage")
		}
	}
}

// isPackageScript decides from pyproject.toml alone (needs tomllib: 3.11+).
func TestIsPackageScript(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine: the script's decisions cannot be run")
	}
	if out, err := exec.Command(py, "-c", "import tomllib").CombinedOutput(); err != nil {
		t.Skipf("python3 has no tomllib (needs 3.11+): %s", out)
	}
	cases := map[string]bool{
		"[project]\nname='a'\n[build-system]\nrequires=['hatchling']\n": true,
		"[project]\nname='a'\n":                                                                    false,
		"[project]\nname='a'\n[tool.uv]\npackage=true\n":                                           true,
		"[project]\nname='a'\n[build-system]\nrequires=['x']\n[tool.uv]\npackage=false\n":          false,
		"[project]\nname='a'\n[build-system]\nrequires=['x']\n[tool.poetry]\npackage-mode=false\n": false,
	}
	for src, want := range cases {
		f := filepath.Join(t.TempDir(), "pyproject.toml")
		if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		err := exec.Command(py, "-c", isPackageScript, f).Run()
		if got := err == nil; got != want {
			t.Errorf("%q: package = %v, want %v", src, got, want)
		}
	}
}

// [run] writable chowns the directories (and what the sources put in them)
// to the runtime user in the app stage, after the bytecode is compiled.
func TestWritableDirectoriesAreTheUsers(t *testing.T) {
	p := h.Plan(t, "language = \"python\"\nentrypoint = \"app.py\"\nuser = \"1000:1000\"\npreset = \"scratch\"\n[run]\nwritable = [\"data\", \"var/uploads\"]\n")
	app := presettest.Stage(t, p, "app")
	last := app.Steps[len(app.Steps)-1]
	if last.Key != "run.writable" || last.Run == nil || last.Run.Network != llbgen.NetNone {
		t.Fatalf("last app step is not the writable step: %s", llbgen.Describe(last))
	}
	if got := strings.Join(last.Run.Argv[4:], " "); got != "1000:1000 /app/data /app/var/uploads" {
		t.Errorf("writable argv tail = %q", got)
	}
}
