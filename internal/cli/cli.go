// Package cli implements the `slim` command: offline views of what the
// frontend would build (plan, llb) and image inspection (size).
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/internal/dockerfile"
	"github.com/slimfront/slimfront/internal/ocitar"
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

const usage = `slim: the slimfront command line.

Usage:
  slim plan [-f slim.toml] [--platform linux/arm64] [--preset P] [--version V]
        print the build plan with the reason for each stage and step
  slim llb  [-f slim.toml] [--platform ...] [--preset P] [--version V]
        print the LLB the frontend would solve, as JSON (offline: base images
        are not resolved)
  slim dockerfile [-f slim.toml] [--platform ...] [--preset P] [--version V]
        print the equivalent multi-stage Dockerfile (eject to Podman, kaniko, ...)
        e.g. slim dockerfile -f slim.toml > Dockerfile && docker buildx build .
  slim size [--budget 15MB] IMAGE.tar
        size report of an OCI image tar (docker buildx build --output
        type=oci,dest=IMAGE.tar): per platform, layers compressed and
        uncompressed; over --budget (or size_budget in -f slim.toml) exits 1
  slim files IMAGE.tar
        list every file of every layer (mode, uid:gid, size, name), per platform
  slim -version

Exit codes: 0 ok, 1 failure (invalid descriptor, over budget, unreadable image), 2 usage.
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
	ov := map[string]string{}
	if p.preset != "" {
		ov["preset"] = p.preset
	}
	if p.version != "" {
		ov["version"] = p.version
	}
	reg := all.Registry()
	app, err := descriptor.Parse(filepath.Base(p.file), src, reg.Options(ov))
	if err != nil {
		return nil, llbgen.Plan{}, target, err
	}
	reg.ApplyDefaults(app)
	plan, err := reg.Plan(app, presets.Target{Build: platforms.Normalize(platforms.DefaultSpec()), Platform: target})
	return app, plan, target, err
}

func planCmd(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slim "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var pf planFlags
	pf.register(fs)
	if err := fs.Parse(args); err != nil {
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
		BuildPlatform:  platforms.Normalize(platforms.DefaultSpec()),
		TargetPlatform: target,
		Context:        llb.Local("context", llb.LocalUniqueID("slim-cli")),
		Images:         offlineImages{},
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

// offlineImages stands in for the registry: unresolved, unpinned images.
type offlineImages struct{}

func (offlineImages) Image(_ context.Context, ref string, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error) {
	return llb.Image(ref, llb.Platform(p)), &dockerspec.DockerOCIImage{}, nil
}

func sizeCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slim size", flag.ContinueOnError)
	fs.SetOutput(stderr)
	budget := fs.String("budget", "", "fail if any platform's uncompressed size exceeds this (e.g. 15MB)")
	file := fs.String("f", "", "descriptor whose size_budget applies")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: slim size [--budget 15MB] [-f slim.toml] IMAGE.tar")
		return ExitUsage
	}
	var limit int64
	if *budget != "" {
		n, err := descriptor.ParseSize(*budget)
		if err != nil {
			fmt.Fprintln(stderr, "--budget:", err)
			return ExitUsage
		}
		limit = n
	} else if *file != "" {
		var pf planFlags
		pf.file = *file
		pf.platform = "linux/amd64"
		app, _, _, err := pf.load()
		if err != nil {
			return fail(stderr, err)
		}
		limit = app.SizeBudget
	}
	l, err := ocitar.Open(fs.Arg(0))
	if err != nil {
		return fail(stderr, err)
	}
	code := ExitOK
	for _, img := range l.Images {
		fmt.Fprintf(stdout, "%s  %s compressed, %s uncompressed, %d layers\n", platforms.Format(img.Platform), human(img.Compressed()), human(img.Uncompressed()), len(img.Layers))
		for i, ly := range img.Layers {
			created := ""
			if hs := nonEmpty(img.Config.History); i < len(hs) {
				created = hs[i].CreatedBy
			}
			fmt.Fprintf(stdout, "  %9s %9s  %s\n", human(ly.Compressed), human(ly.Uncompressed), created)
		}
		if limit > 0 {
			if img.Uncompressed() > limit {
				fmt.Fprintf(stdout, "  OVER BUDGET: %s > %s\n", human(img.Uncompressed()), human(limit))
				code = ExitFailure
			} else {
				fmt.Fprintf(stdout, "  within budget: %s <= %s\n", human(img.Uncompressed()), human(limit))
			}
		}
	}
	return code
}

func nonEmpty(h []ocispecs.History) []ocispecs.History {
	var out []ocispecs.History
	for _, e := range h {
		if !e.EmptyLayer {
			out = append(out, e)
		}
	}
	return out
}

func human(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

func filesCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: slim files IMAGE.tar")
		return ExitUsage
	}
	l, err := ocitar.Open(args[0])
	if err != nil {
		return fail(stderr, err)
	}
	for _, img := range l.Images {
		fmt.Fprintf(stdout, "# %s\n", platforms.Format(img.Platform))
		files, err := l.Files(img)
		if err != nil {
			return fail(stderr, err)
		}
		for _, f := range files {
			name := f.Name
			if f.Linkname != "" {
				name += " -> " + f.Linkname
			}
			fmt.Fprintf(stdout, "%c %04o %d:%d %9d %s\n", typeChar(f.Type), f.Mode&0o7777, f.UID, f.GID, f.Size, name)
		}
	}
	return ExitOK
}

func typeChar(t byte) rune {
	switch t {
	case '5':
		return 'd'
	case '2':
		return 'l'
	case '1':
		return 'h'
	}
	return '-'
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
