// Package cli implements the `slim` command: offline views of what the
// frontend would build (plan, llb) and image inspection (size).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/internal/dockerfile"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // the command ran and failed (bad descriptor, over budget)
	ExitUsage   = 2 // wrong flags or arguments
)

const usage = `slim: the slimfront command line. slim.toml in, an expert multi-stage image out.

Usage:
  slim init [dir] [--force] [--language L] [--entrypoint E]
        detect the language, entrypoint, dependency files and port of the app
        in dir (default .) and write a commented slim.toml (+ .dockerignore)
  slim build [-f slim.toml] [--platform p,...] [--preset P] [--output ...]
             [--push -t ref] [--progress auto|tty|plain] [dir]
        build through BuildKit ($BUILDKIT_HOST) with the slimfront frontend,
        then print a size report; over size_budget exits 1
  slim plan [-f slim.toml] [--platform linux/arm64] [--preset P] [--version V]
        print the build plan with the reason for each stage and step
  slim llb  [-f slim.toml] [--platform ...] [--preset P] [--version V]
        print the LLB the frontend would solve, as JSON (offline: base images
        are not resolved)
  slim dockerfile [-f slim.toml] [--platform ...] [--preset P] [--version V]
        print the equivalent multi-stage Dockerfile (eject to Podman, kaniko, ...)
  slim size [--budget 15MB | -f slim.toml] IMAGE.tar
        size report of an OCI image tar: per platform, layers compressed and
        uncompressed; over --budget (or size_budget in -f slim.toml) exits 1
  slim files IMAGE.tar
        list every file of every layer (mode, uid:gid, size, name), per platform
  slim -version
  slim COMMAND -h      the command's flags and examples

Examples:
  slim init && slim build -t app --output type=oci,dest=app.tar .
  slim build --platform linux/amd64,linux/arm64 --push -t registry.example.com/app:1.0
  slim plan --preset scratch
  slim dockerfile > Dockerfile
  slim size -f slim.toml app.tar

Exit codes: 0 ok; 1 failure (invalid descriptor, build failed, over size budget,
unreadable image, init would overwrite or cannot decide); 2 usage (bad flags or arguments).
`

// Version is set by the main package.
var Version = "dev"

// Run executes the CLI and returns the exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, "slim", Version)
		return ExitOK
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	case "init":
		return initCmd(args[1:], stdout, stderr)
	case "build":
		return buildCmd(args[1:], stdout, stderr)
	case "plan", "llb", "dockerfile":
		return planCmd(args[0], args[1:], stdout, stderr)
	case "size":
		return sizeCmd(args[1:], stdout, stderr)
	case "files":
		return filesCmd(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "slim: unknown command %q\n\n%s", args[0], usage)
	return ExitUsage
}

// parseFlags parses args, allowing flags after positional arguments
// (`slim init dir --force`); fs.Args() holds the positional arguments
// afterwards. With -h it prints usage and the flags to stdout. done is
// true when the caller must return code.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, usage string) (code int, done bool) {
	fs.Usage = func() {}
	var pos []string
	for {
		before := len(args)
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, usage)
				fmt.Fprintln(stdout, "\nFlags:")
				out := fs.Output()
				fs.SetOutput(stdout)
				fs.PrintDefaults()
				fs.SetOutput(out)
				return ExitOK, true
			}
			fmt.Fprint(fs.Output(), usage)
			return ExitUsage, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := before - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	_ = fs.Parse(append([]string{"--"}, pos...))
	return ExitOK, false
}

type planFlags struct {
	file, platform, preset, version string
}

func (p *planFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.file, "f", "slim.toml", "descriptor file")
	fs.StringVar(&p.platform, "platform", "linux/amd64", "target platform")
	fs.StringVar(&p.preset, "preset", "", "override preset (like --build-arg SLIM_PRESET)")
	fs.StringVar(&p.version, "version", "", "override version (like --build-arg SLIM_VERSION)")
}

// load parses the descriptor and plans it, as the frontend does.
func (p *planFlags) load() (*descriptor.App, llbgen.Plan, ocispecs.Platform, error) {
	src, err := os.ReadFile(p.file)
	if err != nil {
		return nil, llbgen.Plan{}, ocispecs.Platform{}, err
	}
	target := ocispecs.Platform{OS: dockerfile.PortableOS, Architecture: dockerfile.PortableArch}
	if p.platform != "" {
		t, err := platforms.Parse(p.platform)
		if err != nil {
			return nil, llbgen.Plan{}, ocispecs.Platform{}, fmt.Errorf("--platform: %w", err)
		}
		target = platforms.Normalize(t)
	}
	loaded, err := all.Registry().Load(presets.Request{
		File:      filepath.Base(p.file),
		Source:    src,
		BuildArgs: p.buildArgs(),
		Build:     presets.LinuxHost(),
		Targets:   []ocispecs.Platform{target},
		Files:     presets.DirFiles(filepath.Dir(p.file)), // the descriptor's directory is the build context
	})
	if err != nil {
		return nil, llbgen.Plan{}, target, err
	}
	return loaded.App, loaded.Plans[0], target, nil
}

// buildArgs are the build args the --preset and --version flags stand for.
func (p *planFlags) buildArgs() map[string]string {
	return map[string]string{presets.BuildArgFor("preset"): p.preset, presets.BuildArgFor("version"): p.version}
}

var planUsages = map[string]string{
	"plan": `usage: slim plan [-f slim.toml] [--platform linux/amd64] [--preset P] [--version V]

Prints the Plan the frontend builds from the descriptor: every stage and step with a
one-line reason, then per closure step what trimming removes from the dependency trees
(or that [run] trim = false turns it off). Offline; nothing is pulled or built.

Examples:
  slim plan
  slim plan -f examples/go-router/slim.toml --preset scratch --platform linux/arm64

Exit codes: 0 ok, 1 invalid descriptor, 2 usage.
`,
	"llb": `usage: slim llb [-f slim.toml] [--platform linux/amd64] [--preset P] [--version V]

Prints the LLB definition the frontend would solve, as JSON, for debugging and golden
tests. Offline: base images are not resolved (no digests, no image config).

Examples:
  slim llb | jq '.[] | .Op.Op.Exec.meta.args? // empty'
  slim llb --preset distroless > llb.json

Exit codes: 0 ok, 1 invalid descriptor, 2 usage.
`,
	"dockerfile": `usage: slim dockerfile [-f slim.toml] [--platform linux/amd64] [--preset P] [--version V]

Prints the multi-stage Dockerfile equivalent to the Plan: the eject path for Podman,
Buildah, kaniko or anyone who must keep a Dockerfile. Without --platform it is portable
(it uses BuildKit's TARGETOS/TARGETARCH).

Examples:
  slim dockerfile > Dockerfile && docker buildx build -t app .
  slim dockerfile --preset scratch | podman build -f - .

Exit codes: 0 ok, 1 invalid descriptor, 2 usage.
`,
}

func planCmd(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slim "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var pf planFlags
	pf.register(fs)
	if code, done := parseFlags(fs, args, stdout, planUsages[cmd]); done {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "slim %s: unexpected argument %q (the descriptor is given with -f)\n\n%s", cmd, fs.Arg(0), planUsages[cmd])
		return ExitUsage
	}
	portable := cmd == "dockerfile" && !flagSet(fs, "platform")
	if portable {
		pf.platform = ""
	}
	_, plan, target, err := pf.load()
	if err != nil {
		return fail(stderr, err)
	}
	switch cmd {
	case "plan":
		fmt.Fprint(stdout, llbgen.Format(plan))
		writePlanTrim(stdout, plan)
		return ExitOK
	case "dockerfile":
		df, err := dockerfile.Render(plan, dockerfile.Options{Source: filepath.Base(pf.file), Platform: platforms.Format(target), Portable: portable})
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprint(stdout, df)
		return ExitOK
	}
	res, err := llbgen.Render(context.Background(), plan, llbgen.Options{
		BuildPlatform:  presets.LinuxHost(),
		TargetPlatform: target,
		Context:        llb.Local("context", llb.LocalUniqueID("slim-cli")),
		Images:         llbgen.UnresolvedImages{},
	})
	if err != nil {
		return fail(stderr, err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(target))
	if err != nil {
		return fail(stderr, err)
	}
	js, err := llbgen.DumpJSON(def)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, string(js))
	return ExitOK
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, strings.TrimRight(err.Error(), "\n"))
	return ExitFailure
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
