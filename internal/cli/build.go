package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/internal/ocitar"
)

// DefaultFrontendImage is the slimfront frontend `slim build` runs.
const DefaultFrontendImage = "docker.io/org/slimfront:latest"

const buildUsage = `usage: slim build [-f slim.toml] [--platform p,...] [--preset P] [--version V]
                  [--output type=oci,dest=app.tar | type=image,name=REF,push=true ...]
                  [--push -t REF] [--progress auto|tty|plain] [--frontend-image REF]
                  [--size-report=false] [--budget SIZE] [dir]

Builds dir (the build context, default .) with its slim.toml through BuildKit directly:
no docker, no buildx. It connects to --addr ($BUILDKIT_HOST, default
unix:///run/buildkit/buildkitd.sock; docker-container://NAME works too), runs the
slimfront frontend image as a gateway frontend, shows BuildKit's own progress display,
and exports with the given --output(s):
  type=oci,dest=app.tar          OCI image tar (dest=- for stdout)
  type=docker,dest=app.tar       docker-load tar
  type=image,name=REF,push=true  push (type=registry,name=REF is the same); --push -t REF
                                 is the short form. Registries on localhost/127.0.0.1
                                 get registry.insecure=true (plain HTTP) like docker does
  type=local,dest=DIR            the image's files
Registry credentials come from ~/.docker/config.json.

At the end, a size report: per platform the image size and every layer, compared with
size_budget from slim.toml (or --budget), then what trimming removed from the dependency
trees (bytes per kind and per package, and what stayed and why; from the report the
image carries at /usr/share/slimfront/trimmed.json). Over budget exits 1, so CI can enforce it. The
report reads the OCI tar; when no --output is an OCI tar (a push, a docker tar, or no
--output at all) BuildKit also exports one to a temporary file for the report, which
is deleted afterwards (--size-report=false skips that).

Examples:
  slim build --output type=oci,dest=app.tar .
  slim build --progress=plain --preset scratch --platform linux/amd64,linux/arm64 \
      --output type=oci,dest=app.tar examples/go-hello
  slim build --push -t registry.example.com/team/app:1.0 .
  BUILDKIT_HOST=docker-container://buildx_buildkit_builder0 slim build .

Exit codes: 0 built (and within budget), 1 invalid descriptor, build failed or over
size budget, 2 usage.
`

// stringList is a repeatable flag; values may also be comma-separated when
// split is true.
type stringList struct {
	vals  []string
	split bool
}

func (s *stringList) String() string { return strings.Join(s.vals, ",") }
func (s *stringList) Set(v string) error {
	if s.split {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				s.vals = append(s.vals, p)
			}
		}
		return nil
	}
	s.vals = append(s.vals, v)
	return nil
}

type buildOpts struct {
	file, preset, version, progress, frontend, addr, budget string
	platforms                                               stringList
	outputs, tags, buildArgs, secrets, ssh                  stringList
	push, noCache, sizeReport                               bool
	dir                                                     string
}

func (o *buildOpts) register(fs *flag.FlagSet) {
	fs.StringVar(&o.file, "f", "", "descriptor (default DIR/slim.toml)")
	o.platforms.split = true
	fs.Var(&o.platforms, "platform", "target platforms, comma-separated or repeated (default: the worker's)")
	fs.StringVar(&o.preset, "preset", "", "override preset (build arg SLIM_PRESET)")
	fs.StringVar(&o.version, "version", "", "override toolchain version (build arg SLIM_VERSION)")
	fs.Var(&o.outputs, "output", "exporter, repeatable: type=oci,dest=app.tar | type=image,name=REF,push=true | type=local,dest=DIR")
	fs.Var(&o.outputs, "o", "short for --output")
	fs.BoolVar(&o.push, "push", false, "push the image named by -t")
	fs.Var(&o.tags, "t", "image name, repeatable (with --push, or as name= of the outputs)")
	fs.Var(&o.tags, "tag", "same as -t")
	fs.Var(&o.buildArgs, "build-arg", "KEY=VALUE build arg for the frontend, repeatable")
	fs.Var(&o.secrets, "secret", "id=ID[,src=FILE|env=VAR] secret for [build] secrets, repeatable")
	fs.Var(&o.ssh, "ssh", "default[=SOCKET] SSH agent for [build] ssh, repeatable")
	fs.StringVar(&o.progress, "progress", "auto", "progress display: auto, tty, plain, quiet or rawjson")
	fs.StringVar(&o.frontend, "frontend-image", DefaultFrontendImage, "slimfront frontend image")
	fs.StringVar(&o.addr, "addr", "", "buildkitd address (default $BUILDKIT_HOST or unix:///run/buildkit/buildkitd.sock)")
	fs.BoolVar(&o.noCache, "no-cache", false, "do not use the build cache")
	fs.BoolVar(&o.sizeReport, "size-report", true, "print the size report (and check size_budget) at the end")
	fs.StringVar(&o.budget, "budget", "", "size budget overriding size_budget (e.g. 15MB)")
}

func buildCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slim build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o buildOpts
	o.register(fs)
	if code, done := parseFlags(fs, args, stdout, buildUsage); done {
		return code
	}
	if fs.NArg() > 1 {
		fmt.Fprint(stderr, buildUsage)
		return ExitUsage
	}
	o.dir = "."
	if fs.NArg() == 1 {
		o.dir = fs.Arg(0)
	}
	if o.file == "" {
		o.file = filepath.Join(o.dir, "slim.toml")
	}
	switch o.progress {
	case "auto", "tty", "plain", "quiet", "rawjson":
	default:
		fmt.Fprintf(stderr, "slim build: --progress %q: use auto, tty, plain, quiet or rawjson\n", o.progress)
		return ExitUsage
	}
	for _, p := range o.platforms.vals {
		if _, err := platforms.Parse(p); err != nil {
			fmt.Fprintf(stderr, "slim build: --platform %q: %v\n", p, err)
			return ExitUsage
		}
	}
	outs, err := resolveOutputs(o.outputs.vals, o.tags.vals, o.push)
	if err != nil {
		fmt.Fprintln(stderr, "slim build:", err)
		return ExitUsage
	}
	var limit int64
	if o.budget != "" {
		if limit, err = descriptor.ParseSize(o.budget); err != nil {
			fmt.Fprintln(stderr, "slim build: --budget:", err)
			return ExitUsage
		}
	}

	// Validate the descriptor here first: its errors come back at once,
	// and its size_budget is the report's limit.
	pf := planFlags{file: o.file, platform: "linux/amd64", preset: o.preset, version: o.version}
	if len(o.platforms.vals) > 0 {
		pf.platform = o.platforms.vals[0]
	}
	if _, err := os.Stat(o.file); err != nil {
		fmt.Fprintf(stderr, "slim build: %v\n(write a descriptor with `slim init %s`, or name it with -f)\n", err, o.dir)
		return ExitFailure
	}
	app, _, _, err := pf.load()
	if err != nil {
		return fail(stderr, err)
	}
	if limit == 0 {
		limit = app.SizeBudget
	}

	// The size report reads an OCI tar: the user's, or a temporary one.
	reportOut := stdout
	reportTar, tempTar := "", ""
	for _, out := range outs {
		if out.ociTar() && reportTar == "" {
			reportTar = out.Dest
		}
		if out.Dest == "-" {
			reportOut = stderr // stdout carries the image
		}
	}
	if o.sizeReport && reportTar == "" {
		f, err := os.CreateTemp("", "slim-build-*.tar")
		if err != nil {
			return fail(stderr, err)
		}
		f.Close()
		defer os.Remove(f.Name())
		reportTar, tempTar = f.Name(), f.Name()
		outs = append(outs, output{Type: client.ExporterOCI, Attrs: map[string]string{}, Dest: reportTar})
	}

	resp, err := solve(o, outs, stdout, stderr)
	if err != nil {
		printBuildError(stderr, err)
		return ExitFailure
	}
	for _, out := range outs {
		if out.pushes() {
			fmt.Fprintf(stderr, "pushed %s (%s)\n", out.Attrs["name"], resp.ExporterResponse["containerimage.digest"])
		} else if out.Dest != "" && out.Dest != "-" && out.Dest != tempTar {
			fmt.Fprintf(stderr, "wrote %s (type=%s)\n", out.Dest, out.Type)
		}
	}
	if !o.sizeReport {
		return ExitOK
	}
	l, err := ocitar.Open(reportTar)
	if err != nil {
		fmt.Fprintf(stderr, "slim build: size report: %v\n", err)
		return ExitFailure
	}
	fmt.Fprintf(reportOut, "size report (%s):\n", app.File)
	over := writeSizeReport(reportOut, l, limit)
	if limit == 0 {
		fmt.Fprintln(reportOut, `  no size budget: set size_budget = "..." in slim.toml (or --budget) to enforce one`)
	}
	writeTrimReports(reportOut, l)
	if over {
		fmt.Fprintf(stderr, "slim build: the image is over its size budget of %s\n", human(limit))
		return ExitFailure
	}
	return ExitOK
}
