package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slimfront/slimfront/internal/elfdeps"
	"github.com/slimfront/slimfront/internal/ocitar"
)

// Trimming (issue 17): the same app and preset built with trimming (the
// default) and with `[run] trim = false`, both cold, alternately on the
// same daemon in the same run: the image sizes side by side, what the
// image's report says was removed, and the time trimming adds to a cold
// build (the whole build and the closure step that trims).

// TrimApps are the examples whose trimming is measured when they are among
// the run's apps: the smallest Python and Node apps and the pandas/numpy
// app of the issue.
var TrimApps = []string{"python-flask", "python-pandas", "node-express"}

// trimPreset is the preset the trimming is measured on: the one where the
// image is nothing but what the app needs.
const trimPreset = "scratch"

// trimGoals are the size goals on trimPreset, bytes (MB = 10^6).
var trimGoals = map[string]int64{"python-flask": 33e6, "python-pandas": 130e6}

// Trim is the measurement of one app on trimPreset.
type Trim struct {
	App, Language string
	// On and Off are the trimmed and untrimmed builds; Sourceless (Python
	// only) is the trimmed build with `[run] sourceless = true`.
	On, Off, Sourceless TrimBuild
	// Report is what the trimmed image's report says was removed.
	Report elfdeps.TrimReport
	Err    string
	app    *App
}

// TrimBuild is one side of a Trim.
type TrimBuild struct {
	Size    int64           // uncompressed image size, bytes
	Cold    []time.Duration // cold builds (OCI export included)
	Closure []time.Duration // the closure step's time in those builds (BuildKit's DONE line)
}

// Ratio is median(On.Cold)/median(Off.Cold), 0 without both.
func (m *Trim) Ratio() float64 {
	if len(m.On.Cold) == 0 || len(m.Off.Cold) == 0 {
		return 0
	}
	return median(m.On.Cold).Seconds() / median(m.Off.Cold).Seconds()
}

// trimRuns returns the Trims to measure: the apps of TrimApps that the run
// selected and does not skip, in TrimApps' order.
func trimRuns(apps []*App) []*Trim {
	var out []*Trim
	for _, name := range TrimApps {
		i := slices.IndexFunc(apps, func(a *App) bool { return a.Name == name && a.Skip == "" })
		if i >= 0 {
			out = append(out, &Trim{App: name, Language: apps[i].Language, app: apps[i]})
		}
	}
	return out
}

// withoutTrim appends `[run] trim = false` to the descriptor in src (into
// its [run] table when it has one).
func withoutTrim(src string) error { return addRunKey(src, "trim = false") }

// addRunKey adds the line kv to the [run] table of the descriptor in src
// (a new [run] table at the end when it has none).
func addRunKey(src, kv string) error {
	p := filepath.Join(src, "slim.toml")
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	s := string(b)
	if regexp.MustCompile(`(?m)^\[run\][ \t]*$`).MatchString(s) {
		s = regexp.MustCompile(`(?m)^\[run\][ \t]*$`).ReplaceAllLiteralString(s, "[run]\n"+kv)
	} else {
		s += "\n[run]\n" + kv + "\n"
	}
	return os.WriteFile(p, []byte(s), 0o644)
}

// closureStepRE finds the BuildKit vertex number of the closure step in a
// --progress=plain log; closureDone its DONE line.
var closureStepRE = regexp.MustCompile(`(?m)^#(\d+) \[[^\]]*\] RUN /bin/slimfront closure `)

// closureTime returns the closure step's time from a --progress=plain
// build log, false when the log has no DONE line for it.
func closureTime(log string) (time.Duration, bool) {
	m := closureStepRE.FindStringSubmatch(log)
	if m == nil {
		return 0, false
	}
	d := regexp.MustCompile(`(?m)^#` + m[1] + ` DONE ([0-9.]+)s$`).FindStringSubmatch(log)
	if d == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(d[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// measureTrim runs one repetition for m: in the first one an untimed build
// first (so both timed builds find the registry's images and the package
// indexes' downloads equally warm outside BuildKit), then, each after
// pruning the daemon's cache, the trimmed and the untrimmed build (the
// order alternates between repetitions). The trimmed image must carry a
// report and be smaller than the untrimmed one, which must carry none.
func (r *runner) measureTrim(ctx context.Context, m *Trim, rep int) error {
	work := filepath.Join(r.tmp, fmt.Sprintf("trim-%s-%d", m.App, rep))
	defer os.RemoveAll(work)
	srcs := map[string]string{"trimmed": filepath.Join(work, "on"), "untrimmed": filepath.Join(work, "off")}
	if m.Language == "python" {
		srcs["sourceless"] = filepath.Join(work, "sourceless")
	}
	for phase, src := range srcs {
		err := copyDir(m.app.Dir, src)
		switch {
		case err != nil:
		case phase == "untrimmed":
			err = withoutTrim(src)
		case phase == "sourceless":
			err = addRunKey(src, "sourceless = true")
		}
		if err != nil {
			return err
		}
	}
	build := func(phase string) (time.Duration, error) {
		if err := r.d.prune(ctx); err != nil {
			return 0, err
		}
		on := phase != "untrimmed"
		tar := filepath.Join(work, phase+".tar")
		logPath := filepath.Join(work, phase+".log")
		src := srcs[phase]
		if phase == "warmup" {
			src = srcs["trimmed"]
		}
		took, err := r.buildFor(ctx, src, trimPreset, onePlatform, tar, logPath)
		if err != nil {
			return took, err
		}
		if phase == "warmup" {
			return took, os.Remove(tar)
		}
		l, err := ocitar.Open(tar)
		if err != nil {
			return took, err
		}
		if len(l.Images) != 1 {
			return took, fmt.Errorf("%d images, want 1", len(l.Images))
		}
		side := map[string]*TrimBuild{"trimmed": &m.On, "untrimmed": &m.Off, "sourceless": &m.Sourceless}[phase]
		side.Size = l.Images[0].Uncompressed()
		side.Cold = append(side.Cold, took)
		if log, err := os.ReadFile(logPath); err == nil {
			if d, ok := closureTime(string(log)); ok {
				side.Closure = append(side.Closure, d)
			}
		}
		b, err := l.ReadFile(l.Images[0], elfdeps.TrimReportPath)
		switch {
		case on && err != nil:
			return took, fmt.Errorf("the trimmed image has no report: %v", err)
		case phase == "trimmed":
			if m.Report, err = elfdeps.ReadTrimReport(b); err != nil {
				return took, err
			}
		case !on && err == nil:
			return took, fmt.Errorf("the image built with [run] trim = false has a trimming report")
		}
		return took, os.Remove(tar)
	}
	if rep == 1 {
		if _, err := build("warmup"); err != nil {
			return err
		}
	}
	order := []string{"trimmed", "untrimmed"}
	if rep%2 == 0 {
		order = []string{"untrimmed", "trimmed"}
	}
	if _, ok := srcs["sourceless"]; ok {
		order = append(order, "sourceless")
	}
	for _, phase := range order {
		if _, err := build(phase); err != nil {
			return err
		}
	}
	if m.On.Size >= m.Off.Size {
		return fmt.Errorf("trimmed image %d bytes, untrimmed %d: trimming removed nothing", m.On.Size, m.Off.Size)
	}
	if len(m.Sourceless.Cold) > 0 && m.Sourceless.Size >= m.On.Size {
		return fmt.Errorf("sourceless image %d bytes, trimmed %d: [run] sourceless removed nothing", m.Sourceless.Size, m.On.Size)
	}
	return nil
}

// trimSection writes the trimming table: per app the sizes without and
// with trimming, what the report says went (largest kinds and packages),
// the cold build times and their ratio, the closure step's times, and the
// size goal's verdict where the issue set one.
func (r *Report) trimSection(b *strings.Builder) {
	if len(r.Trims) == 0 {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## Trimming the dependency trees (issue 17)\n\n")
	p("Each app on `%s`, built cold (empty BuildKit cache, after one untimed build that warms the registry and the package indexes' downloads) with trimming (the default) and with `[run] trim = false`, alternately on the same daemon in the same run; medians of %d. Sizes are uncompressed (MB = 10^6 bytes); \"removed\" is the trimming report the image carries (`slim build` and `slim size` print it). The closure step is the one build step trimming runs in.\n\n",
		trimPreset, r.Config.Runs)
	p("Python apps are also built trimmed with `[run] sourceless = true` (the opt-in bytecode-only venv), cold, after the other two.\n\n")
	p("| app | untrimmed | trimmed | sourceless | removed (report) | largest kinds | largest packages | cold untrimmed | cold trimmed | ratio | closure step untrimmed → trimmed | size goal |\n|---|--:|--:|--:|--:|---|---|--:|--:|--:|--:|---|\n")
	for _, m := range r.Trims {
		if m.Err != "" {
			p("| %s | failed: %s ||||||||||| \n", m.App, mdEscape(firstLine(m.Err)))
			continue
		}
		goal, sourceless := "—", "—"
		if m.Sourceless.Size > 0 {
			sourceless = mb(m.Sourceless.Size)
		}
		if g, ok := trimGoals[m.App]; ok {
			goal = fmt.Sprintf("%s ≤ %s", verdict(m.On.Size <= g), mb(g))
			if m.Sourceless.Size > 0 && m.On.Size > g {
				goal += fmt.Sprintf(" (sourceless: %s)", verdict(m.Sourceless.Size <= g))
			}
		}
		p("| %s | %s | %s | %s | %s (%d files) | %s | %s | %s | %s | %.2f× | %s → %s | %s |\n", m.App, mb(m.Off.Size), mb(m.On.Size), sourceless,
			mb(m.Report.Bytes), m.Report.Files, topBytes(m.Report.Kinds, 3), topBytes(m.Report.Packages, 3),
			secs(median(m.Off.Cold)), secs(median(m.On.Cold)), m.Ratio(), orDash(secsOrEmpty(m.Off.Closure)), orDash(secsOrEmpty(m.On.Closure)), goal)
	}
	p("\n")
}

// secsOrEmpty is secs of the median of ts, "" without any.
func secsOrEmpty(ts []time.Duration) string {
	if len(ts) == 0 {
		return ""
	}
	return secs(median(ts))
}

// topBytes renders the n largest entries of m as "key size, ...".
func topBytes(m map[string]int64, n int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" "+mb(m[k]))
	}
	return strings.Join(parts, ", ")
}

// TrimMarkdown is the trimming section alone, for `bench/run --trim-only`.
func (r *Report) TrimMarkdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- bench/run --trim-only on %s (load average %s at the start, %s at the end); it took %s -->\n\n",
		r.Machine.Date, r.Machine.LoadStart, r.Machine.LoadEnd, r.Took.Round(time.Second))
	r.trimSection(&b)
	return b.String()
}
