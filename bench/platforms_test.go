package bench

import (
	"strings"
	"testing"
	"time"
)

// TestPlatformRunsPicksTheListedApps: only PlatformApps among the run's
// apps, skipped ones left out, in PlatformApps' order, at each app's own
// preset.
func TestPlatformRunsPicksTheListedApps(t *testing.T) {
	apps := []*App{
		{Name: "node-hello", Language: "node", Preset: "distroless"},
		{Name: "python-native", Language: "python", Preset: "scratch"},
		{Name: "go-hello", Language: "go", Preset: "scratch", Skip: "no go toolchain"},
		{Name: "python-django", Language: "python", Preset: "distroless"},
		{Name: "python-flask", Language: "python", Preset: "distroless"},
	}
	var got []string
	for _, p := range platformRuns(apps) {
		got = append(got, p.App+"/"+p.Preset)
		if p.app == nil || p.app.Name != p.App {
			t.Errorf("%s: app = %+v", p.App, p.app)
		}
	}
	if want := "python-flask/distroless python-native/scratch node-hello/distroless"; strings.Join(got, " ") != want {
		t.Errorf("platformRuns = %v, want %s", got, want)
	}
}

// TestPlatformsSectionVerdicts: the ratio of medians, PASS/MISS against
// the 1.3× goal for Python and Node only, failures shown with their first
// line; no section without measurements.
func TestPlatformsSectionVerdicts(t *testing.T) {
	s := func(secs ...float64) []time.Duration {
		var out []time.Duration
		for _, x := range secs {
			out = append(out, time.Duration(x*float64(time.Second)))
		}
		return out
	}
	r := &Report{Config: Config{Runs: 3}, Platforms: []*Platforms{
		{App: "python-flask", Language: "python", Preset: "distroless", One: s(10, 30, 20), Two: s(24, 26, 100)},
		{App: "node-hello", Language: "node", Preset: "distroless", One: s(10), Two: s(14)},
		{App: "go-hello", Language: "go", Preset: "scratch", One: s(10), Two: s(20)},
		{App: "python-native", Language: "python", Preset: "scratch", Err: "docker buildx build: exit status 1\nmore"},
	}}
	var b strings.Builder
	r.platformsSection(&b)
	out := b.String()
	for _, want := range []string{
		"| python-flask | distroless | 20.0 s | 26.0 s | 1.30× | **PASS** |",
		"| node-hello | distroless | 10.0 s | 14.0 s | 1.40× | **MISS** |",
		"| go-hello | scratch | 10.0 s | 20.0 s | 2.00× | — |",
		"| python-native | scratch | failed: docker buildx build: exit status 1 |",
		"medians of 3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("section lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "more") {
		t.Errorf("a failure shows more than its first line:\n%s", out)
	}
	var empty strings.Builder
	(&Report{}).platformsSection(&empty)
	if empty.Len() != 0 {
		t.Errorf("section without measurements: %q", empty.String())
	}
}
