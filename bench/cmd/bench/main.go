// Command bench measures slimfront against the seeds' hand-written
// Dockerfiles and writes BENCHMARKS.md and bench/sizes.svg. Run it through
// bench/run, which brings up hack/env first.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/slimfront/slimfront/bench"
)

// Version is set at link time (-X main.Version=...).
var Version = "dev"

const usage = `bench: slimfront against the seeds' hand-written Dockerfiles, built side by side on a
private buildkitd in one run; writes BENCHMARKS.md and bench/sizes.svg.

Examples (from the repository root; bench/run brings up hack/env first):
  bench/run                                 full mode: every example, median of 3 runs
  bench/run --runs 2 --apps go-hello,python-flask,node-hello
  bench/run --quick                         one run, one app per language (what CI runs)
  bench/run --platforms-only --runs 3       only linux/amd64,linux/arm64 against linux/amd64 (cold)
  bench/run --trim-only --runs 2 --apps python-flask,python-pandas,node-express
                                            only trimmed against [run] trim = false (cold, scratch)
  bench/run --cgo-only --runs 1 --apps go-sqlite,go-sqlite-purego
                                            only cgo image sizes per preset beside the pure-Go twin
  go run ./bench/cmd/bench -version

Exit codes: 0 report written, 1 a measurement or the environment failed, 2 usage.

Flags:
`

func main() {
	version := flag.Bool("version", false, "print the version and exit")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	quick := flag.Bool("quick", false, "one run, one app per language, baseline hand-written Dockerfile only (CI)")
	runs := flag.Int("runs", 3, "repetitions; times are medians (full mode)")
	noops := flag.Int("noops", 0, "no-op rebuilds per run (default 3, 1 with --quick)")
	out := flag.String("out", "", "report path (default BENCHMARKS.md; with --quick $TMPDIR/slimfront-bench-quick/BENCHMARKS.md)")
	svg := flag.String("svg", "", "chart path (default bench/sizes.svg next to the full report; with --quick next to the report)")
	apps := flag.String("apps", "", "comma-separated example names (default: all examples/*/slim.toml)")
	keep := flag.Bool("keep", false, "keep the temp dir with build logs")
	platforms := flag.Bool("platforms", true, "also measure two-platform builds (linux/amd64,linux/arm64) of "+strings.Join(bench.PlatformApps, ", ")+" against linux/amd64 alone (full mode)")
	platformsOnly := flag.Bool("platforms-only", false, "measure only the two-platform builds and write only their section to --out (default $TMPDIR/slimfront-bench-platforms.md)")
	trim := flag.Bool("trim", true, "also measure trimmed against untrimmed ([run] trim = false) cold builds on scratch of "+strings.Join(bench.TrimApps, ", ")+" (full mode)")
	cgoOnly := flag.Bool("cgo-only", false, "measure only the sizes of the cgo apps' slimfront images per preset beside their <name>-purego twins and write only that section to --out (default $TMPDIR/slimfront-bench-cgo.md)")
	trimOnly := flag.Bool("trim-only", false, "measure only the trimmed against untrimmed builds and write only their section to --out (default $TMPDIR/slimfront-bench-trim.md)")
	flag.Parse()
	if *version {
		fmt.Println("bench", Version)
		return
	}
	root, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	if _, err := os.Stat(filepath.Join(root, "bench", "handwritten")); err != nil {
		fail(fmt.Errorf("run from the repository root (bench/run does): %v", err))
	}
	cfg := bench.Config{Root: root, Quick: *quick, Runs: *runs, Noops: *noops, Keep: *keep, Log: os.Stderr,
		Platforms: *platforms && !*quick, PlatformsOnly: *platformsOnly, Trim: *trim && !*quick, TrimOnly: *trimOnly, CgoOnly: *cgoOnly}
	if *cgoOnly {
		cfg.Platforms, cfg.Trim = false, false
	}
	if *quick {
		cfg.Runs = 1
	}
	if cfg.Noops == 0 {
		cfg.Noops = 3
		if *quick {
			cfg.Noops = 1
		}
	}
	if *apps != "" {
		cfg.Apps = strings.Split(*apps, ",")
	}
	cfg.Out, cfg.SVG = *out, *svg
	if cfg.Out == "" {
		cfg.Out = filepath.Join(root, "BENCHMARKS.md")
		if *quick {
			cfg.Out = filepath.Join(os.TempDir(), "slimfront-bench-quick", "BENCHMARKS.md")
		}
		if *platformsOnly {
			cfg.Out = filepath.Join(os.TempDir(), "slimfront-bench-platforms.md")
		}
		if *trimOnly {
			cfg.Out = filepath.Join(os.TempDir(), "slimfront-bench-trim.md")
		}
		if *cgoOnly {
			cfg.Out = filepath.Join(os.TempDir(), "slimfront-bench-cgo.md")
		}
	}
	if cfg.SVG == "" {
		if *quick || *out != "" {
			cfg.SVG = filepath.Join(filepath.Dir(cfg.Out), "sizes.svg")
		} else {
			cfg.SVG = filepath.Join(root, "bench", "sizes.svg")
		}
	}
	if cfg.Runs < 1 {
		fail(fmt.Errorf("--runs must be at least 1"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench.Run(ctx, cfg); err != nil {
		stop()
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
