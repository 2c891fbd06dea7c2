package python

import (
	"fmt"
	"path"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
)

// lockTool is the package manager that reads one kind of lockfile. It is
// installed into the tools venv (never the image) and only exports the
// lockfile's main/default group as a hashed requirements file, which the
// tools venv's pip then installs with --no-deps: exactly the locked set.
type lockTool struct {
	name   string      // for step reasons
	pkgs   string      // what pip installs into the tools venv (pinned)
	check  string      // fails when the lockfile is out of date with its manifest
	export string      // writes the main group's requirements, with hashes, to stdout
	env    []llbgen.KV // the tool's cache in the cache mount, no venv of its own
	cache  llbgen.Cache
}

var (
	poetryMount = llbgen.Cache{Target: "/root/.cache/pypoetry", ID: "python-poetry"}
	pdmMount    = llbgen.Cache{Target: "/root/.cache/pdm", ID: "python-pdm"}
	pipenvMount = llbgen.Cache{Target: "/root/.cache/pipenv", ID: "python-pipenv"}
)

// lockTools are the tools per kind. The commands are the managers' own
// documented exports: `poetry export --only main` (poetry-plugin-export,
// https://python-poetry.org/docs/cli/#export: "only the main dependencies
// are included" by default, dev groups need --with), `poetry check --lock`
// (fails when poetry.lock is not consistent with pyproject.toml); `pdm lock
// --check` ("Check if the lock file is up to date and quit") and `pdm export
// --prod` (https://pdm-project.org/latest/reference/cli/#export: "Unselect
// dev dependencies"); `pipenv verify` (the Pipfile hash recorded in
// Pipfile.lock's _meta) and `pipenv requirements --hash` (the default
// packages of Pipfile.lock, https://pipenv.pypa.io/en/latest/cli.html#requirements).
// uv needs no export: `uv sync --locked --no-dev` reads uv.lock itself.
var lockTools = map[string]lockTool{
	kindUV: {name: "uv", pkgs: "uv==0.13.9"}, // pinned like the other tools: the same uv for every build
	kindPoetry: {name: "poetry", pkgs: "poetry==2.5.1 poetry-plugin-export==1.10.1",
		check:  tools + "/bin/poetry check --lock --no-interaction",
		export: tools + "/bin/poetry export --only main --format requirements.txt --no-interaction",
		env:    []llbgen.KV{{Key: "POETRY_CACHE_DIR", Value: poetryMount.Target}, {Key: "POETRY_VIRTUALENVS_CREATE", Value: "false"}},
		cache:  poetryMount},
	kindPDM: {name: "pdm", pkgs: "pdm==2.29.4 'hishel[httpx2]==1.4.0'", // pdm 2.29.4 imports hishel.httpx2; hishel 2.0 dropped SyncSqliteStorage it also uses
		check:  tools + "/bin/pdm lock --check",
		export: tools + "/bin/pdm export --prod --format requirements",
		env:    []llbgen.KV{{Key: "PDM_CACHE_DIR", Value: pdmMount.Target}, {Key: "PDM_CHECK_UPDATE", Value: "false"}, {Key: "PDM_PYTHON", Value: venv + "/bin/python"}},
		cache:  pdmMount},
	kindPipenv: {name: "pipenv", pkgs: "pipenv==2026.10.3",
		check:  tools + "/bin/pipenv verify",
		export: tools + "/bin/pipenv requirements --hash",
		env:    []llbgen.KV{{Key: "PIPENV_PIPFILE", Value: "Pipfile"}, {Key: "PIPENV_CACHE_DIR", Value: pipenvMount.Target}, {Key: "PIPENV_VERBOSITY", Value: "-1"}, {Key: "PIPENV_YES", Value: "1"}},
		cache:  pipenvMount},
}

// projRoot is where projectStage installs the project (pip --root): its
// files at their venv paths under this directory, so the final image
// takes them as one small layer over the unchanged dependency layer.
const projRoot = "/projroot"

// isPackageScript exits 0 when pyproject.toml (argv[1]) describes a package
// to install: a [build-system] table (PEP 517/518), unless uv's
// tool.uv.package or Poetry's tool.poetry.package-mode say otherwise
// (https://docs.astral.sh/uv/concepts/projects/config/#project-packaging,
// https://python-poetry.org/docs/basic-usage/#operating-modes).
const isPackageScript = `import sys, tomllib
d = tomllib.load(open(sys.argv[1], "rb")); t = d.get("tool", {})
pkg = t.get("uv", {}).get("package", "build-system" in d)
if "poetry" in t:
    pkg = pkg and t["poetry"].get("package-mode", True)
sys.exit(0 if pkg else 1)
`

// projectStage installs the project of in.pyproject itself, after its
// dependencies and from the sources: when pyproject.toml is a package
// (isPackageScript) the tools venv's pip builds it with its declared
// backend (build isolation: the backend never reaches the venv) and
// installs it non-editable with --no-deps and --root projRoot, so console
// scripts ([project.scripts]) exist in the venv's bin and src/ layouts
// import; otherwise it installs nothing. The stage starts from deps, so a
// source edit re-runs only this and never the dependency install.
func projectStage(app *descriptor.App, fl flavor, in installer, ep entry) llbgen.Stage {
	dir := path.Join("/project", path.Dir(in.pyproject))
	script := fmt.Sprintf(`set -eu; mkdir -p %[1]s; cd "$1"; shift; `+
		`if %[2]s -c "$0" pyproject.toml; then exec "$@"; fi; `+
		`echo "slimfront: %[3]s has no [build-system] (or says it is not a package): its dependencies are installed, the project itself is not"`,
		projRoot, fl.python, in.pyproject)
	pip := []string{tools + "/bin/pip", "--python", venv + "/bin/python", "install", "--no-deps", "--no-compile", "--no-warn-script-location", "--root", projRoot, "."}
	run := &llbgen.Run{Argv: append([]string{"sh", "-c", script, isPackageScript, dir}, pip...), Caches: []llbgen.Cache{pipMount}, SSH: app.Build.SSH}
	for _, id := range app.Build.Secrets {
		run.Secrets = append(run.Secrets, llbgen.Secret{ID: id})
	}
	st := llbgen.Stage{
		Name:   "project",
		Reason: "the project itself (a package: console scripts, src/ layout), installed after its dependencies from the sources",
		Base:   llbgen.Base{Stage: "deps"},
		Where:  llbgen.OnTarget,
		Dir:    "/project",
		Steps: []llbgen.Step{
			{Reason: "the sources the project is built from", Key: "deps",
				Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{"."}, Dest: "/project/", Exclude: sourceExcludes(app.File)}},
			{Reason: "build the project with its backend and install it, not editable, without dependencies", Key: "deps", Run: run},
		},
	}
	if ep.script != "" {
		st.Steps = append(st.Steps, consoleScriptCheck(ep, projRoot))
	}
	st.Steps = append(st.Steps, llbgen.Step{
		Reason: "reproducible bytecode of the project's modules, named by their image paths",
		Run: &llbgen.Run{
			Argv:    []string{venv + "/bin/python", compileScriptPath, "--root", projRoot, projRoot + venv + "/lib"},
			Env:     compileKV,
			Network: llbgen.NetNone,
		},
	})
	return st
}

// projectCopy lays the files projectStage installed (projRoot) over the
// image's venv.
func projectCopy(stage string) llbgen.Step {
	return llbgen.Step{
		Reason: "the project's own package and console scripts, over the venv",
		Key:    "deps",
		Copy:   &llbgen.Copy{From: stage, Src: []string{projRoot + "/"}, Dest: "/"},
	}
}

// consoleScriptCheck fails the build when the entrypoint's console script is
// in neither the venv's bin nor (root != "") root's copy of it.
func consoleScriptCheck(ep entry, root string) llbgen.Step {
	const script = `test -x "$1" || test -x "$4$1" || { echo "slimfront: entrypoint [$2]: no console script \"$3\" in the venv; add the package that provides it to your dependencies, or [project.scripts] to your pyproject.toml" >&2; exit 1; }`
	alt := root
	if alt == "" {
		alt = "/nonexistent"
	}
	return llbgen.Step{Reason: "the entrypoint's program must come from the dependencies or the project", Key: "entrypoint",
		Run: &llbgen.Run{Argv: []string{"sh", "-c", script, "check", venv + "/bin/" + ep.script, ep.display, ep.script, alt}, Network: llbgen.NetNone}}
}
