package bench

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEditsChangeFilesWithoutChangingWhatTheyMean(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]string{
		"main.go":          "package main\n\n// bench edit n1\n",
		"go.mod":           "module x\n\n// bench edit n1\n",
		"requirements.txt": "flask\n\n# bench edit n1\n",
		"package.json":     "{\n  \"x-bench-edit\": \"n1\",\n\"name\": \"x\"}\n",
	} {
		orig := map[string]string{"main.go": "package main\n", "go.mod": "module x\n", "requirements.txt": "flask\n", "package.json": "{\n\"name\": \"x\"}\n"}[name]
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(orig), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := appendEdit(p, "n1"); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if string(got) != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

func TestMedianOfOddAndEvenCounts(t *testing.T) {
	if m := median([]time.Duration{3, 1, 2}); m != 2 {
		t.Errorf("median(3,1,2) = %v", m)
	}
	if m := median([]time.Duration{4, 1, 3, 2}); m != 2 {
		t.Errorf("median(4,1,3,2) = %v", m)
	}
	if m := median(nil); m != 0 {
		t.Errorf("median() = %v", m)
	}
}

func TestSizesSVGIsWellFormedAndNamesEveryVariant(t *testing.T) {
	a := &App{Name: "go-<hello>"}
	a.Variants = []*Variant{
		{App: a, Kind: KindHand, Name: "5-scratch", Result: Result{Uncompressed: 8e6, Compressed: 4e6}},
		{App: a, Kind: KindSlim, Name: "scratch", Preset: "scratch", Result: Result{Uncompressed: 6e6, Compressed: 3e6}},
		{App: a, Kind: KindSlim, Name: "alpine", Preset: "alpine", Result: Result{Err: "failed"}},
	}
	svg := sizesSVG([]*App{a})
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
	}
	for _, s := range []string{"hand: 5-scratch", "slimfront scratch", "go-&lt;hello&gt;"} {
		if !strings.Contains(svg, s) {
			t.Errorf("svg lacks %q", s)
		}
	}
	if strings.Contains(svg, "slimfront alpine") {
		t.Error("a failed variant has a bar")
	}
}

func TestCgoSectionPairsACgoAppWithItsPureGoTwinPerPreset(t *testing.T) {
	slim := func(a *App, preset string, size int64) *Variant {
		res := Result{Uncompressed: size, Compressed: size / 2}
		if size == 0 {
			res.Err = "build failed"
		}
		return &Variant{App: a, Kind: KindSlim, Name: preset, Preset: preset, Result: res}
	}
	cgo := &App{Name: "go-sqlite", Language: "go", Cgo: "1"}
	pure := &App{Name: "go-sqlite-purego", Language: "go", Cgo: "0"}
	lone := &App{Name: "go-other", Language: "go", Cgo: "1"}
	cgo.Variants = []*Variant{{App: cgo, Kind: KindHand, Name: "5-scratch", Result: Result{Uncompressed: 1}}, slim(cgo, "scratch", 9_500_000), slim(cgo, "alpine", 0)}
	pure.Variants = []*Variant{slim(pure, "scratch", 11_000_000), slim(pure, "alpine", 14_000_000)}
	lone.Variants = []*Variant{slim(lone, "scratch", 5_000_000)}
	var b strings.Builder
	(&Report{Apps: []*App{cgo, pure, lone}}).cgoSection(&b)
	out := b.String()
	for _, want := range []string{
		"| go-sqlite | scratch | 9.50 MB | 4.75 MB | go-sqlite-purego | 11.00 MB | 5.50 MB | -1.50 MB |",
		"| go-sqlite | alpine | not measured (a build failed) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("section lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "go-other") || strings.Contains(out, "5-scratch") {
		t.Errorf("only slimfront variants of paired apps belong in the section:\n%s", out)
	}
	b.Reset()
	(&Report{Apps: []*App{lone}}).cgoSection(&b)
	if b.Len() != 0 {
		t.Errorf("no pair, no section: %q", b.String())
	}
}

// TestOwnHandwrittenBaselineGetsTheSizeGoal: an app benchmarked against its
// framework's own Dockerfile (OwnHand) gets "size ≤ 1.05 × baseline" per
// slimfront preset, PASS or MISS by the ratio; an app measured against
// its language's generic Dockerfiles does not.
func TestOwnHandwrittenBaselineGetsTheSizeGoal(t *testing.T) {
	next := &App{Name: "node-next-standalone", Language: "node", OwnHand: true}
	next.Variants = []*Variant{
		{App: next, Kind: KindHand, Name: "nextjs-docs", Baseline: true, Result: Result{Uncompressed: 200_000_000}},
		{App: next, Kind: KindSlim, Name: "distroless", Preset: "distroless", Result: Result{Uncompressed: 209_000_000}},
		{App: next, Kind: KindSlim, Name: "scratch", Preset: "scratch", Result: Result{Uncompressed: 212_000_000}},
	}
	hello := &App{Name: "node-hello", Language: "node"}
	hello.Variants = []*Variant{
		{App: hello, Kind: KindHand, Name: "3-distroless", Baseline: true, Result: Result{Uncompressed: 100}},
		{App: hello, Kind: KindSlim, Name: "scratch", Preset: "scratch", Result: Result{Uncompressed: 500}},
	}
	got := map[string]string{}
	for _, g := range (&Report{Apps: []*App{next, hello}, LLBGenErr: "x", Frontend: FrontendImage{Err: "x"}}).goals() {
		if strings.Contains(g.name, "size ≤ 1.05") {
			got[g.name] = g.measured + " " + g.verdict
		}
	}
	want := map[string]string{
		"node-next-standalone distroless: size ≤ 1.05 × hand: nextjs-docs": "209 MB vs 200 MB (1.04×) **PASS**",
		"node-next-standalone scratch: size ≤ 1.05 × hand: nextjs-docs":    "212 MB vs 200 MB (1.06×) **MISS**",
	}
	if len(got) != len(want) {
		t.Errorf("size goals %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}

// Quick mode (CI) builds, per language, the smallest example that a
// hand-written baseline builds: the languages' generic Dockerfiles copy
// requirements.txt or package-lock.json, so a pyproject-only example
// (python-314-requires) gets none of them and is not picked.
func TestQuickPicksAppsWithABaseline(t *testing.T) {
	apps, err := discover("..")
	if err != nil {
		t.Fatal(err)
	}
	picked := selectApps(apps, Config{Quick: true})
	if len(picked) < 3 {
		t.Fatalf("quick mode picked %d apps, want one per language", len(picked))
	}
	for _, a := range picked {
		if !a.hasBaseline() {
			t.Errorf("quick mode picked %s, which no hand-written baseline builds", a.Name)
		}
	}
	for _, a := range apps {
		if a.Name == "python-314-requires" && a.hasBaseline() {
			t.Errorf("python-314-requires (no requirements.txt) has the generic Python baselines")
		}
	}
}
