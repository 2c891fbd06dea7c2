// Command testenv starts, stops and reports the daemons of the local test
// environment (the registry and buildkitd), through internal/testenv. It is
// what hack/env.d/daemons.sh runs; the paths come from hack/env.d/lib.sh:
//
//	go run ./hack/testenv -dir "$RUN" -root "$DATA/buildkit" -socket "$BUILDKIT_SOCK" \
//	    -registry "$REG" -registry-data "$DATA/registry" start|stop|status
//
// start: idempotent; daemons already running are left alone (a rebuilt
// binary restarts its daemon). stop: stops both by their pid files and
// unmounts leftovers. status: one line per daemon; exit 1 if one is down.
// Progress goes to stderr (stdout of `hack/env up` is for export lines).
// Exit codes: 0 ok, 1 failure or a daemon down (status), 2 usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/slimfront/slimfront/internal/testenv"
)

func main() {
	var c testenv.Config
	fs := flag.NewFlagSet("testenv", flag.ContinueOnError)
	fs.StringVar(&c.Dir, "dir", "", "directory for configs, logs, pid files (hack/env: $SLIM_CACHE/run)")
	fs.StringVar(&c.Root, "root", "", "buildkitd root (state) directory")
	fs.StringVar(&c.Socket, "socket", "", "buildkitd unix socket path")
	fs.StringVar(&c.Registry, "registry", "127.0.0.1:5000", "local registry host:port (docker.io and gcr.io mirror)")
	fs.StringVar(&c.RegistryData, "registry-data", "", "registry storage directory")
	fs.StringVar(&c.Bin, "buildkitd", "buildkitd", "buildkitd binary (path or name in $PATH)")
	version := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: testenv -dir D -root D -socket S -registry-data D [-registry H:P] [-buildkitd BIN] start|stop|status

Starts, stops or reports the local registry and buildkitd of slimfront's test
environment, with one configuration (hack/env runs it; see hack/README.md).

Example:
  testenv -dir ~/.cache/slimfront/run -root ~/.cache/slimfront/data/buildkit \
    -socket ~/.cache/slimfront/run/buildkitd.sock -registry-data ~/.cache/slimfront/data/registry status

Exit codes: 0 ok, 1 failure or a daemon down (status), 2 usage.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if *version {
		fmt.Println("testenv (slimfront test environment)")
		return
	}
	if fs.NArg() != 1 || c.Dir == "" || c.Root == "" || c.Socket == "" || c.RegistryData == "" {
		fs.Usage()
		os.Exit(2)
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[env %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	ctx := context.Background()
	var err error
	switch fs.Arg(0) {
	case "start":
		err = testenv.Up(ctx, c, logf)
	case "stop":
		err = testenv.Down(c, logf)
	case "status":
		lines, ok := testenv.Status(ctx, c)
		for _, l := range lines {
			fmt.Println(l)
		}
		if !ok {
			os.Exit(1)
		}
	default:
		fs.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "[env] ERROR: %v\n", err)
		os.Exit(1)
	}
}
