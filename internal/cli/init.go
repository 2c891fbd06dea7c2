package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

const initUsage = `usage: slim init [dir] [--force] [--language go|python|node] [--entrypoint E] [--preset P]

Looks at the app in dir (default .) and writes dir/slim.toml, commented, first line
"# syntax=org/slimfront", plus dir/.dockerignore when there is none:
  language    go.mod -> go; requirements.txt, requirements/prod.txt, pyproject.toml
              (+ uv.lock, poetry.lock, pdm.lock) or Pipfile -> python;
              package.json + lockfile (package-lock.json, yarn.lock, pnpm-lock.yaml) -> node
  entrypoint  Go: the main package (., else the first cmd/*: the others are listed with
              the --build-arg SLIM_ENTRYPOINT=./cmd/NAME that builds them); Python:
              Django (gunicorn, collectstatic), a console script, a FastAPI/Starlette
              app served by uvicorn, a Flask/falcon app served by gunicorn, or app.py /
              main.py; Node:
              Next.js standalone / Nuxt's server from their config, package.json
              "main", or the file of a "start": "node FILE" script; in a workspace
              the member that starts a server (several: the first, the others
              listed with the SLIM_ENTRYPOINT build arg that builds them)
  deps        the manifests and lockfiles present (Go: go.work, and vendor/modules.txt
              for vendored modules: built with the network off)
  build.env   Go: CGO_ENABLED = "1" when a dependency of a binary has C code (cgo)
  port        when the code shows a default (PORT || 3000, Getenv("PORT") ... "8080")
When it cannot decide (several languages, several main packages) it exits 1 and lists
the candidates; pick one with --language or --entrypoint. An existing slim.toml is
never overwritten without --force.

Examples:
  slim init
  slim init ./services/api --entrypoint ./cmd/api
  slim init --force --preset scratch

Exit codes: 0 written, 1 cannot decide / would overwrite / write failed, 2 usage.
`

func initCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slim init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	force := fs.Bool("force", false, "overwrite an existing slim.toml")
	lang := fs.String("language", "", "go, python or node, when the directory has several manifests")
	entry := fs.String("entrypoint", "", "the main package (Go), script (Python, Node) to use instead of detecting it")
	preset := fs.String("preset", presets.DefaultBase, "final image preset: distroless, scratch or alpine")
	if code, done := parseFlags(fs, args, stdout, initUsage); done {
		return code
	}
	if fs.NArg() > 1 {
		fmt.Fprint(stderr, initUsage)
		return ExitUsage
	}
	dir := "."
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	if !isDir(dir) {
		fmt.Fprintf(stderr, "slim init: %s is not a directory\n", dir)
		return ExitFailure
	}
	target := filepath.Join(dir, "slim.toml")
	if _, err := os.Lstat(target); err == nil && !*force {
		fmt.Fprintf(stderr, "slim init: %s already exists; not overwriting it (use --force to replace it)\n", target)
		return ExitFailure
	}
	d, err := detect(dir, *lang, *entry)
	if err != nil {
		fmt.Fprintln(stderr, "slim init:", err)
		return ExitFailure
	}
	src := renderDescriptor(d, *preset)
	if err := checkDescriptor(src); err != nil {
		fmt.Fprintf(stderr, "slim init: the descriptor for %s does not validate, not writing it:\n%v\n---\n%s", dir, err, src)
		return ExitFailure
	}
	if err := os.WriteFile(target, []byte(src), 0o644); err != nil {
		return fail(stderr, err)
	}
	entry2 := d.Path
	if d.Argv != nil {
		entry2 = strings.Join(d.Argv, " ")
	}
	fmt.Fprintf(stdout, "wrote %s: language %s, entrypoint %s, deps %s", target, d.Language, entry2, strings.Join(d.Deps, ", "))
	if d.Port != 0 {
		fmt.Fprintf(stdout, ", port %d", d.Port)
	}
	fmt.Fprintln(stdout)
	ignore := filepath.Join(dir, ".dockerignore")
	if _, err := os.Lstat(ignore); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(ignore, []byte(renderDockerignore(d)), 0o644); err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", ignore)
	}
	fmt.Fprintf(stdout, "next: slim plan -f %s   or   docker buildx build -f %s %s\n", target, target, dir)
	return ExitOK
}

// checkDescriptor parses and plans src as the frontend would.
func checkDescriptor(src string) error {
	_, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(src), Build: presets.LinuxHost()})
	return err
}

func tomlArray(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = descriptor.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// renderDescriptor writes the commented slim.toml for d.
func renderDescriptor(d *presets.Detection, preset string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# syntax=org/slimfront")
	w("# Written by `slim init`; edit freely. The first line makes BuildKit use the slimfront frontend:")
	w("#   docker buildx build -f slim.toml -t app .")
	w("#   slim build --output type=oci,dest=app.tar .     (no buildx needed; prints a size report)")
	w("#   slim plan                                       (what will be built, and why)")
	w("# Every key: https://github.com/slimfront/slimfront#the-descriptor-slimtoml")
	w("")
	w("language   = %s", descriptor.Quote(d.Language))
	w("# %s", d.EntryNote)
	if d.Argv != nil {
		w("entrypoint = %s", tomlArray(d.Argv))
	} else {
		w("entrypoint = %s", descriptor.Quote(d.Path))
	}
	w("# %s", d.DepsNote)
	w("deps       = %s", tomlArray(d.Deps))
	bases := []string{"distroless", "scratch", "alpine"}
	if p, ok := all.Registry().Lookup(d.Language); ok {
		bases = p.Bases()
	}
	w("# the final image: %s (distroless: no shell; scratch: the smallest; alpine: a shell for debugging)", strings.Join(bases, " | "))
	w("preset     = %s", descriptor.Quote(preset))
	if d.Port != 0 {
		w("# the port the app listens on (%s); also set as PORT in the image", d.PortNote)
		w("port       = %d", d.Port)
	} else {
		w("# no default port found in the code; if the app listens, set it (also exported as PORT):")
		w("# port     = 8080")
	}
	w("")
	for _, n := range d.Notes {
		w("%s", n)
	}
	w(`# size_budget = "50MB"  # slim build and slim size exit 1 when the image is bigger (uncompressed)`)
	w("")
	w("# [env]                 # runtime environment")
	w(`# LOG_LEVEL = "info"`)
	if d.BuildScript != "" {
		w("")
		w("[build]")
		w("# %s", d.BuildNote)
		w("script = %s", descriptor.Quote(d.BuildScript))
	}
	if len(d.BuildEnv) > 0 {
		w("")
		w("[build.env]             # environment of the build stage")
		for _, kv := range d.BuildEnv {
			w("# %s", kv.Note)
			w("%s = %s", kv.Key, descriptor.Quote(kv.Value))
		}
	}
	return b.String()
}

// dockerignoreLines keep out of the build context what no image needs.
var dockerignoreLines = []string{
	".git", ".gitignore", ".dockerignore", ".idea", ".vscode", "**/.DS_Store", "*.swp",
	".env", ".env.*", "*.tar",
	"**/node_modules", "npm-debug.log*", "yarn-error.log*",
	"**/__pycache__", "**/*.pyc", ".venv", "venv", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", "*.egg-info",
}

func renderDockerignore(d *presets.Detection) string {
	var b strings.Builder
	b.WriteString("# Written by `slim init`: files the image build never needs. Keeping them out of the\n")
	b.WriteString("# context keeps it small and the cache stable (an edit to .git must not rebuild).\n")
	for _, l := range append(dockerignoreLines, d.Ignore...) {
		b.WriteString(l + "\n")
	}
	return b.String()
}
