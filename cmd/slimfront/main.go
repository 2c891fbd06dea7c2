// Command slimfront is the BuildKit gateway frontend: BuildKit runs it inside
// the org/slimfront image when a build file starts with
// `# syntax=org/slimfront`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto"
	"github.com/slimfront/slimfront/frontend"
)

// Version is set at link time (-X main.Version=...).
var Version = "dev"

func main() {
	if len(os.Args) > 1 {
		if run, ok := subcommands[os.Args[1]]; ok {
			os.Exit(run(os.Args[2:], os.Stdout, os.Stderr))
		}
	}
	version := flag.Bool("version", false, "print the version and exit")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, `slimfront %s: BuildKit frontend for slim.toml app descriptors.

It is not run by hand: BuildKit starts it when a build file's first line is
    # syntax=org/slimfront
e.g.  docker buildx build -f slim.toml -t app .

Build steps also run two subcommands, which read a target root as data:
    slimfront closure --root DIR --platform linux/arm64 --out OUTDIR [--entries] [--drop-foreign] ENTRY...
    slimfront startcheck --root DIR --platform linux/arm64 [--dpkg DIR]

Exit codes: 0 success, 1 the build failed (the error is returned to the client).
`, Version)
		flag.PrintDefaults()
	}
	flag.Parse()
	if *version {
		fmt.Println("slimfront", Version)
		return
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "slimfront: %v\n", err)
		os.Exit(1)
	}
}
