// Package bench builds every example app three ways — the seeds'
// hand-written Dockerfiles (bench/handwritten/<language>/), slimfront per
// preset, and the Dockerfile slimfront renders — on a private buildkitd, and
// writes BENCHMARKS.md and an SVG bar chart of image sizes. See bench/run.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Config is the command line.
type Config struct {
	Root     string // repository root
	Quick    bool   // one repetition, one app per language, baseline + slimfront + rendered
	Runs     int    // repetitions (median)
	Noops    int    // no-op rebuilds per repetition
	Out, SVG string // report and chart paths
	Apps     []string
	Keep     bool // keep the temp dir (logs)
	Log      io.Writer
	// Platforms measures the two-platform builds of PlatformApps
	// (platforms.go); PlatformsOnly measures only those and writes only
	// their section to Out.
	Platforms, PlatformsOnly bool
	// Trim measures the trimmed against the untrimmed builds of TrimApps
	// (trim.go); TrimOnly measures only those and writes only their
	// section to Out.
	Trim, TrimOnly bool
	// CgoOnly measures only the slimfront images, per preset, of the cgo
	// apps and their pure-Go twins (cgoPairs), one cold build each for
	// the size, and writes only the cgo-against-pure-Go section to Out.
	CgoOnly bool
}

// Report is everything BENCHMARKS.md shows.
type Report struct {
	Config       Config
	Machine      Machine
	Apps         []*App
	RenderedNote string
	Frontend     FrontendImage
	LLBGen       []LLBGen
	LLBGenErr    string
	Platforms    []*Platforms // two-platform against single-platform builds
	Trims        []*Trim      // trimmed against untrimmed builds
	Took         time.Duration
}

// Run measures and writes the report.
func Run(ctx context.Context, cfg Config) error {
	start := time.Now()
	logf := func(format string, a ...any) { fmt.Fprintf(cfg.Log, format+"\n", a...) }
	registry := envOr("SLIM_REGISTRY", "127.0.0.1:5000")
	frontendRef := envOr("SLIM_FRONTEND", registry+"/org/slimfront:latest")
	for _, tool := range []string{"docker", "buildkitd", "buildctl", "crane", "runc"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not on PATH: run from the repo root after `eval \"$(hack/env up)\"` (bench/run does it)", tool)
		}
	}
	tmp, err := os.MkdirTemp(envOr("SLIM_BENCH_TMP", ""), "slimfront-bench-")
	if err != nil {
		return err
	}
	if cfg.Keep {
		logf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	apps, err := discover(cfg.Root)
	if err != nil {
		return err
	}
	apps = selectApps(apps, cfg)
	slim := filepath.Join(tmp, "slim")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", slim, "./cmd/slim").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/slim: %v\n%s", err, out)
	}
	rep := &Report{Config: cfg, Machine: machine(ctx), Apps: apps}
	rep.RenderedNote = addRendered(ctx, slim, tmp, apps)
	markUnavailable(registryAddr(), apps)
	if cfg.Quick {
		for _, a := range apps {
			var keep []*Variant
			for _, v := range a.Variants {
				if v.Baseline || ((v.Kind == KindSlim || v.Kind == KindRendered) && v.Preset == a.Preset) {
					keep = append(keep, v)
				}
			}
			a.Variants = keep
		}
	}

	if cfg.PlatformsOnly || cfg.TrimOnly {
		for _, a := range apps {
			a.Variants = nil
		}
	}
	if cfg.CgoOnly {
		paired := map[*App]bool{}
		for _, pr := range rep.cgoPairs() {
			paired[pr[0]], paired[pr[1]] = true, true
		}
		if len(paired) == 0 {
			return fmt.Errorf("--cgo-only: no app with [build.env] CGO_ENABLED = \"1\" and its <name>-purego twin among the selected apps")
		}
		for _, a := range apps {
			var keep []*Variant
			for _, v := range a.Variants {
				if paired[a] && v.Kind == KindSlim {
					v.SizeOnly = true // the size is the measurement: one cold build
					keep = append(keep, v)
				}
			}
			a.Variants = keep
		}
	}

	logf("starting a private buildkitd in %s", tmp)
	d, err := startDaemon(ctx, filepath.Join(envOr("SLIM_CACHE", tmp), "work", fmt.Sprintf("bench-buildkitd-%d", os.Getpid())), registry)
	if err != nil {
		return err
	}
	defer d.stop()
	r := &runner{d: d, tmp: tmp, noops: cfg.Noops, logf: logf}
	total := 0
	for _, a := range apps {
		total += len(a.Variants)
	}
	for i := 1; i <= cfg.Runs; i++ {
		n := 0
		for _, a := range apps {
			if a.Skip != "" {
				continue
			}
			for _, v := range a.Variants {
				n++
				if v.Result.Err != "" || (i > 1 && v.onceOnly()) {
					continue
				}
				t0 := time.Now()
				if err := r.measure(ctx, v, i); err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					v.Result.Err = err.Error()
					logf("run %d/%d [%d/%d] %s %s: FAILED (%s)\n%s", i, cfg.Runs, n, total, a.Name, v.Label(), time.Since(t0).Round(time.Second), err)
					continue
				}
				logf("run %d/%d [%d/%d] %s %-26s %s (%s)", i, cfg.Runs, n, total, a.Name, v.Label(), lastTimes(v.Result), time.Since(t0).Round(time.Second))
			}
		}
	}
	if (cfg.Platforms && !cfg.TrimOnly) || cfg.PlatformsOnly {
		rep.Platforms = platformRuns(apps)
		for i := 1; i <= cfg.Runs; i++ {
			for _, m := range rep.Platforms {
				if m.Err != "" {
					continue
				}
				t0 := time.Now()
				if err := r.measurePlatforms(ctx, m.app, m, i); err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					m.Err = err.Error()
					logf("run %d/%d platforms %s %s: FAILED (%s)\n%s", i, cfg.Runs, m.App, m.Preset, time.Since(t0).Round(time.Second), err)
					continue
				}
				logf("run %d/%d platforms %s %s: %s %.1fs, %s %.1fs (%s)", i, cfg.Runs, m.App, m.Preset,
					onePlatform, m.One[len(m.One)-1].Seconds(), twoPlatforms, m.Two[len(m.Two)-1].Seconds(), time.Since(t0).Round(time.Second))
			}
		}
	}
	if (cfg.Trim && !cfg.PlatformsOnly) || cfg.TrimOnly {
		rep.Trims = trimRuns(apps)
		for i := 1; i <= cfg.Runs; i++ {
			for _, m := range rep.Trims {
				if m.Err != "" {
					continue
				}
				t0 := time.Now()
				if err := r.measureTrim(ctx, m, i); err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					m.Err = err.Error()
					logf("run %d/%d trim %s: FAILED (%s)\n%s", i, cfg.Runs, m.App, time.Since(t0).Round(time.Second), err)
					continue
				}
				logf("run %d/%d trim %s: untrimmed %.1f MB %.1fs, trimmed %.1f MB %.1fs (%s)", i, cfg.Runs, m.App,
					float64(m.Off.Size)/1e6, m.Off.Cold[len(m.Off.Cold)-1].Seconds(), float64(m.On.Size)/1e6, m.On.Cold[len(m.On.Cold)-1].Seconds(), time.Since(t0).Round(time.Second))
			}
		}
	}
	d.stop()
	rep.Machine.LoadEnd = loadavg()
	if cfg.CgoOnly {
		rep.Took = time.Since(start)
		if err := os.MkdirAll(filepath.Dir(cfg.Out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(cfg.Out, []byte(rep.CgoMarkdown()), 0o644); err != nil {
			return err
		}
		logf("wrote %s in %s", cfg.Out, rep.Took.Round(time.Second))
		return nil
	}
	if cfg.TrimOnly {
		rep.Took = time.Since(start)
		if err := os.MkdirAll(filepath.Dir(cfg.Out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(cfg.Out, []byte(rep.TrimMarkdown()), 0o644); err != nil {
			return err
		}
		logf("wrote %s in %s", cfg.Out, rep.Took.Round(time.Second))
		return nil
	}
	if cfg.PlatformsOnly {
		rep.Took = time.Since(start)
		if err := os.MkdirAll(filepath.Dir(cfg.Out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(cfg.Out, []byte(rep.PlatformsMarkdown()), 0o644); err != nil {
			return err
		}
		logf("wrote %s in %s", cfg.Out, rep.Took.Round(time.Second))
		return nil
	}

	logf("LLB generation benchmark (go test -bench LLBGen ./llbgen)")
	if rep.LLBGen, err = llbgenBench(ctx, cfg.Root, cfg.Quick); err != nil {
		rep.LLBGenErr = err.Error()
	}
	rep.Frontend = frontendImage(ctx, frontendRef)
	rep.Took = time.Since(start)
	if err := os.MkdirAll(filepath.Dir(cfg.Out), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.SVG), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(cfg.SVG, []byte(sizesSVG(apps)), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(cfg.Out, []byte(rep.markdown()), 0o644); err != nil {
		return err
	}
	logf("wrote %s and %s in %s", cfg.Out, cfg.SVG, rep.Took.Round(time.Second))
	return nil
}

// selectApps applies --apps, and in quick mode keeps the smallest app
// (fewest files) of each language among those a hand-written baseline
// builds (any app when none does).
func selectApps(apps []*App, cfg Config) []*App {
	var out []*App
	best := map[string]*App{}
	for _, a := range apps {
		if len(cfg.Apps) > 0 && !contains(cfg.Apps, a.Name) {
			continue
		}
		if cfg.Quick && a.Skip == "" {
			// the smallest app that a hand-written baseline builds, so the
			// quick run compares slimfront with it
			if b := best[a.Language]; b == nil || a.hasBaseline() && !b.hasBaseline() || a.hasBaseline() == b.hasBaseline() && a.files() < b.files() {
				best[a.Language] = a
			}
			continue
		}
		out = append(out, a)
	}
	for _, a := range apps {
		if best[a.Language] == a {
			out = append(out, a)
		}
	}
	return out
}

func lastTimes(r Result) string {
	var parts []string
	for _, c := range []struct {
		name string
		ts   []time.Duration
	}{{"cold", r.Cold}, {"noop", r.Noop}, {"src", r.Src}, {"dep", r.Dep}} {
		if len(c.ts) > 0 {
			parts = append(parts, fmt.Sprintf("%s %.1fs", c.name, c.ts[len(c.ts)-1].Seconds()))
		}
	}
	return strings.Join(parts, " ")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// registryAddr is the local registry hack/env runs (SLIM_REGISTRY).
func registryAddr() string {
	if r := os.Getenv("SLIM_REGISTRY"); r != "" {
		return r
	}
	return "127.0.0.1:5000"
}

// hasBaseline reports whether a hand-written baseline variant builds a.
func (a *App) hasBaseline() bool {
	for _, v := range a.Variants {
		if v.Kind == KindHand && v.Baseline {
			return true
		}
	}
	return false
}
