package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// Multi-platform builds (issue 16): one `--platform linux/amd64,linux/arm64`
// build against the `--platform linux/amd64` build of the same app and
// preset, both cold (empty BuildKit cache), alternately on the same daemon
// in the same run. This machine has no arm64 emulation: the arm64 half can
// only build because the presets cross-build (Go) or install the target's
// prebuilt artifacts on the build platform (Python, Node).

// PlatformApps are the examples whose two-platform build is measured when
// they are among the run's apps: the smallest app of each language, the
// ones with prebuilt native code for both CPUs, and node-native, whose
// addon (better-sqlite3) is compiled for each CPU.
var PlatformApps = []string{"go-hello", "python-flask", "python-native", "node-hello", "node-prebuilds", "node-native"}

// platformGoal is the goal for Python and Node: the two-platform
// build takes at most this many times the single-platform one.
const platformGoal = 1.3

// twoPlatforms and onePlatform are the --platform values compared.
const (
	onePlatform  = "linux/amd64"
	twoPlatforms = "linux/amd64,linux/arm64"
)

// Platforms is the measurement of one app at its descriptor's preset.
type Platforms struct {
	App, Language, Preset string
	One, Two              []time.Duration // cold builds for onePlatform, twoPlatforms
	Err                   string
	app                   *App
}

// Ratio is median(Two)/median(One), 0 without both.
func (p *Platforms) Ratio() float64 {
	if len(p.One) == 0 || len(p.Two) == 0 {
		return 0
	}
	return median(p.Two).Seconds() / median(p.One).Seconds()
}

// platformRuns returns the Platforms to measure: the apps of PlatformApps
// that the run selected and does not skip, in PlatformApps' order.
func platformRuns(apps []*App) []*Platforms {
	var out []*Platforms
	for _, name := range PlatformApps {
		i := slices.IndexFunc(apps, func(a *App) bool { return a.Name == name && a.Skip == "" })
		if i >= 0 {
			out = append(out, &Platforms{App: name, Language: apps[i].Language, Preset: apps[i].Preset, app: apps[i]})
		}
	}
	return out
}

// measurePlatforms runs one repetition for p: in the first one an untimed
// two-platform build first (so both timed builds find the registry's
// images and the package indexes' downloads equally warm outside
// BuildKit), then, each after pruning the daemon's cache, the
// single-platform build and the two-platform build (the order alternates
// between repetitions). Each result must be an image for exactly its
// platforms.
func (r *runner) measurePlatforms(ctx context.Context, a *App, p *Platforms, rep int) error {
	work := filepath.Join(r.tmp, fmt.Sprintf("platforms-%s-%d", a.Name, rep))
	src := filepath.Join(work, "src")
	if err := copyDir(a.Dir, src); err != nil {
		return err
	}
	defer os.RemoveAll(work)
	build := func(phase, platforms string) (time.Duration, error) {
		if err := r.d.prune(ctx); err != nil {
			return 0, err
		}
		tar := filepath.Join(work, phase+".tar")
		took, err := r.buildFor(ctx, src, p.Preset, platforms, tar, filepath.Join(work, phase+".log"))
		if err != nil {
			return took, err
		}
		l, err := ocitar.Open(tar)
		if err != nil {
			return took, err
		}
		if want := len(strings.Split(platforms, ",")); len(l.Images) != want {
			return took, fmt.Errorf("--platform %s gave %d images, want %d", platforms, len(l.Images), want)
		}
		return took, os.Remove(tar)
	}
	if rep == 1 {
		if _, err := build("warmup", twoPlatforms); err != nil {
			return err
		}
	}
	order := []string{onePlatform, twoPlatforms}
	if rep%2 == 0 {
		order = []string{twoPlatforms, onePlatform}
	}
	for _, platforms := range order {
		phase := "one-platform" // no comma: the phase names the OCI tar in --output
		if platforms == twoPlatforms {
			phase = "two-platforms"
		}
		took, err := build(phase, platforms)
		if err != nil {
			return err
		}
		if platforms == onePlatform {
			p.One = append(p.One, took)
		} else {
			p.Two = append(p.Two, took)
		}
	}
	return nil
}

// buildFor runs `docker buildx build` of the slimfront descriptor in src
// with preset for platforms and returns its wall time, the OCI export
// included.
func (r *runner) buildFor(ctx context.Context, src, preset, platforms, tar, logPath string) (time.Duration, error) {
	args := []string{"buildx", "build", "--progress=plain", "--provenance=false", "--platform", platforms,
		"--output", "type=oci,dest=" + tar + ",name=bench:latest",
		"-f", filepath.Join(src, "slim.toml"), "--build-arg", "SLIM_PRESET=" + preset, src}
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), "BUILDX_BUILDER="+r.d.builder)
	logf, err := os.Create(logPath)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		b, _ := os.ReadFile(logPath)
		return took, fmt.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, tail(string(b), 25))
	}
	return took, nil
}

// platformsSection writes the multi-platform table: per app the cold
// single- and two-platform times and their ratio, with the goal's verdict
// for Python and Node (Go has no goal: it always cross-compiled).
func (r *Report) platformsSection(b *strings.Builder) {
	if len(r.Platforms) == 0 {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## Multi-platform builds without emulation (issue 16)\n\n")
	p("Cold builds (empty BuildKit cache, after one untimed two-platform build that warms the registry and the package indexes' downloads) of the descriptor's preset for `--platform %s` and for `--platform %s`, in the same run; medians of %d. This machine has no arm64 emulation: the arm64 image is built on the amd64 build platform (Go cross-compiles; Python and Node install the target's wheels and prebuilt addons and take the interpreter from the target's image as data). Goal for Python and Node: two platforms ≤ %.1f × one.\n\n",
		onePlatform, twoPlatforms, r.Config.Runs, platformGoal)
	p("| app | preset | %s | %s | ratio | goal |\n|---|---|--:|--:|--:|---|\n", onePlatform, twoPlatforms)
	for _, m := range r.Platforms {
		if m.Err != "" {
			p("| %s | %s | failed: %s |||| \n", m.App, m.Preset, mdEscape(firstLine(m.Err)))
			continue
		}
		goal := "—"
		if m.Language == "python" || m.Language == "node" {
			goal = verdict(m.Ratio() <= platformGoal)
		}
		p("| %s | %s | %s | %s | %.2f× | %s |\n", m.App, m.Preset, secs(median(m.One)), secs(median(m.Two)), m.Ratio(), goal)
	}
	p("\n")
}

// PlatformsMarkdown is the multi-platform section alone, for
// `bench/run --platforms-only`.
func (r *Report) PlatformsMarkdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- bench/run --platforms-only on %s (load average %s at the start, %s at the end); it took %s -->\n\n",
		r.Machine.Date, r.Machine.LoadStart, r.Machine.LoadEnd, r.Took.Round(time.Second))
	r.platformsSection(&b)
	return b.String()
}
