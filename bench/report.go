package bench

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/slimfront/slimfront/presets/all"
)

func median(ts []time.Duration) time.Duration {
	if len(ts) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func secs(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func mb(n int64) string {
	switch {
	case n >= 100e6:
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	case n >= 1e6:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.0f kB", float64(n)/1e3)
}

// timeCell is "median (ratio×)" against the baseline's median.
func timeCell(ts []time.Duration, base []time.Duration) string {
	if len(ts) == 0 {
		return "–"
	}
	m := median(ts)
	if b := median(base); b > 0 {
		return fmt.Sprintf("%s (%.2f×)", secs(m), m.Seconds()/b.Seconds())
	}
	return secs(m)
}

func userCell(u string) string {
	if u == "" || u == "0" || u == "root" || strings.HasPrefix(u, "0:") {
		return "root"
	}
	return u
}

// goal is one line of the goals table.
type goal struct{ name, measured, verdict, why string }

func verdict(ok bool) string {
	if ok {
		return "**PASS**"
	}
	return "**MISS**"
}

func (r *Report) goals() []goal {
	var gs []goal
	for _, a := range r.Apps {
		p, ok := all.Registry().Lookup(a.Language)
		if !ok || !p.Info().StaticBinary {
			continue
		}
		var ref, scr *Variant
		for _, v := range a.Variants {
			if v.Kind == KindReference && v.Result.ok() {
				ref = v
			}
			if v.Kind == KindSlim && v.Preset == "scratch" && v.Result.ok() {
				scr = v
			}
		}
		if ref != nil && scr != nil {
			x := float64(scr.Result.Uncompressed)/float64(ref.Result.Uncompressed) - 1
			gs = append(gs, goal{a.Name + ": scratch " + p.Info().Name + " within 5 % of stripped binary + certs",
				fmt.Sprintf("%s vs %s (%+.1f %%)", mb(scr.Result.Uncompressed), mb(ref.Result.Uncompressed), 100*x), verdict(x <= 0.05), ""})
		}
	}
	for _, a := range r.Apps {
		// an app measured against its framework's own Dockerfile (issue 15:
		// Next.js standalone): slimfront's image at most 5 % larger
		base := a.baseline()
		if !a.OwnHand || base == nil {
			continue
		}
		for _, v := range a.Variants {
			if v.Kind == KindSlim && v.Result.ok() {
				x := float64(v.Result.Uncompressed) / float64(base.Result.Uncompressed)
				gs = append(gs, goal{fmt.Sprintf("%s %s: size ≤ 1.05 × %s", a.Name, v.Preset, base.Label()),
					fmt.Sprintf("%s vs %s (%.2f×)", mb(v.Result.Uncompressed), mb(base.Result.Uncompressed), x), verdict(x <= 1.05), ""})
			}
		}
	}
	for _, a := range r.Apps {
		base := a.baseline()
		for _, v := range a.Variants {
			if v.Kind != KindSlim || !v.Result.ok() || len(v.Result.Src) == 0 {
				continue
			}
			if base != nil && len(base.Result.Src) > 0 {
				x := median(v.Result.Src).Seconds() / median(base.Result.Src).Seconds()
				gs = append(gs, goal{fmt.Sprintf("%s %s: source-edit rebuild ≤ 0.5 × %s", a.Name, v.Preset, base.Label()),
					fmt.Sprintf("%s vs %s (%.2f×)", secs(median(v.Result.Src)), secs(median(base.Result.Src)), x), verdict(x <= 0.5), lossReason(a.Language, "src")})
			}
		}
	}
	for _, a := range r.Apps {
		for _, v := range a.Variants {
			if v.Kind == KindSlim && v.Result.ok() && len(v.Result.Noop) > 0 {
				m := median(v.Result.Noop)
				gs = append(gs, goal{fmt.Sprintf("%s %s: no-op rebuild < 1 s", a.Name, v.Preset), secs(m), verdict(m < time.Second), lossReason(a.Language, "noop")})
			}
		}
	}
	if len(r.LLBGen) > 0 {
		worst := r.LLBGen[0]
		for _, l := range r.LLBGen {
			if l.Ms > worst.Ms {
				worst = l
			}
		}
		gs = append(gs, goal{"LLB generation ≤ 5 ms (slowest example/preset)", fmt.Sprintf("%.3f ms (%s)", worst.Ms, worst.Name), verdict(worst.Ms <= 5), ""})
	} else {
		gs = append(gs, goal{"LLB generation ≤ 5 ms", "not measured: " + firstLine(r.LLBGenErr), "**MISS**", ""})
	}
	if r.Frontend.Err == "" {
		gs = append(gs, goal{"frontend image ≤ 15 MB (uncompressed)", fmt.Sprintf("%s (%s compressed)", mb(r.Frontend.Uncompressed), mb(r.Frontend.Compressed)), verdict(r.Frontend.Uncompressed <= 15e6), ""})
	} else {
		gs = append(gs, goal{"frontend image ≤ 15 MB", "not measured: " + r.Frontend.Err, "**MISS**", ""})
	}
	return gs
}

func (r *Report) markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	c := r.Config
	mode := fmt.Sprintf("full: median of %d runs, %d no-op rebuilds per run", c.Runs, c.Noops)
	if c.Quick {
		mode = fmt.Sprintf("quick: %d run, one app per language, only the baseline hand-written Dockerfile", c.Runs)
	}
	p("# Benchmarks\n\n")
	p("Written by `bench/run` (%s) on %s; it took %s. Every number below comes from that run: do not edit by hand, rerun.\n\n", mode, r.Machine.Date, r.Took.Round(time.Second))
	p("Each example app is built three ways on the same buildkitd in the same run: the seeds' hand-written Dockerfiles (`bench/handwritten/<language>/`, adapted to the images this environment has: each file says how), slimfront with each preset, and the Dockerfile slimfront renders (`slim dockerfile`, built with BuildKit's built-in Dockerfile frontend).\n\n")
	p("## Machine and how to reproduce\n\n")
	p("| | |\n|---|---|\n")
	p("| CPU | %d × %s |\n| memory | %.1f GiB |\n| kernel | %s |\n| BuildKit | %s |\n| buildx | %s |\n| Go | %s |\n| date | %s |\n| load average (1/5/15 min) | %s at the start, %s at the end of the builds |\n\n",
		r.Machine.NProc, r.Machine.CPU, float64(r.Machine.MemBytes)/(1<<30), r.Machine.Kernel, r.Machine.BuildKit, r.Machine.Buildx, r.Machine.Go, r.Machine.Date, r.Machine.LoadStart, r.Machine.LoadEnd)
	p("```sh\neval \"$(hack/env up)\"   # local buildkitd, registry with the stand-in base images, frontend image\nbench/run               # full: median of 3 runs, writes BENCHMARKS.md and bench/sizes.svg\nbench/run --quick       # CI: one run, one app per language; writes to $TMPDIR/slimfront-bench-quick/\nbench/run --runs 5 --apps go-router   # more runs, fewer apps\n```\n\n")

	p("The machine is shared: a load average above %d (the CPU count) means other builds competed for the CPUs during this run, and the times are slower and noisier than on an idle machine; the ratios, measured in the same run, suffer less.\n\n", r.Machine.NProc)
	p("## Goals (issue 6)\n\n| goal | measured | |\n|---|---|---|\n")
	for _, g := range r.goals() {
		p("| %s | %s | %s |\n", g.name, g.measured, g.verdict)
	}
	p("\n")

	rel, err := filepath.Rel(filepath.Dir(c.Out), c.SVG)
	if err != nil {
		rel = c.SVG
	}
	p("## Image sizes\n\n![image sizes](%s)\n\n", filepath.ToSlash(rel))

	p("## Size and build times per app\n\n")
	p("Times are medians of wall-clock `docker buildx build` runs, including the export to an OCI tar; the ratio is against the app's **baseline**, the seeds' best hand-written Dockerfile (marked `# bench:baseline`), measured in the same run. Lower is better.\n\n")
	for _, a := range r.Apps {
		p("### %s (%s)\n\n", a.Name, orDash(a.Language))
		if a.Skip != "" {
			p("Skipped: %s.\n\n", a.Skip)
			continue
		}
		base := a.baseline()
		var bc, bn, bs, bd []time.Duration
		if base != nil {
			bc, bn, bs, bd = base.Result.Cold, base.Result.Noop, base.Result.Src, base.Result.Dep
			p("Baseline: `%s`.\n\n", base.Label())
		}
		p("| variant | uncompressed | compressed | layers | user | CA certs | cold | no-op | source edit | dependency edit |\n|---|--:|--:|--:|---|---|--:|--:|--:|--:|\n")
		for _, v := range a.Variants {
			res := v.Result
			if !res.ok() {
				if strings.HasPrefix(res.Err, unavailablePrefix) {
					p("| %s | %s ||||||||| \n", v.Label(), mdEscape(firstLine(res.Err)))
				} else {
					p("| %s | failed: %s ||||||||| \n", v.Label(), mdEscape(firstLine(orDash(res.Err))))
				}
				continue
			}
			certs := "no"
			if res.Certs {
				certs = "yes"
			}
			label := v.Label()
			if v.onceOnly() && r.Config.Runs > 1 {
				label += " †"
			}
			p("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s |\n", label, mb(res.Uncompressed), mb(res.Compressed), res.Layers, userCell(res.User), certs,
				timeCell(res.Cold, bc), timeCell(res.Noop, bn), timeCell(res.Src, bs), timeCell(res.Dep, bd))
		}
		if r.RenderedNote != "" {
			p("| rendered Dockerfile | %s ||||||||| \n", r.RenderedNote)
		}
		if r.Config.Runs > 1 {
			p("\n† measured in the first run only (sizes do not vary; rebuild times of the non-baseline levels are context).\n")
		}
		p("\n")
	}

	r.cgoSection(&b)
	r.platformsSection(&b)
	r.trimSection(&b)
	r.frontendSection(&b)
	r.lossesSection(&b)
	r.methodSection(&b)
	return b.String()
}

// cgoPairs returns the apps of the run built with cgo (`[build.env]
// CGO_ENABLED = "1"`) that have a "<name>-purego" twin in the run, the
// same app with a pure-Go library and CGO_ENABLED = "0"; pairs[i][0] is
// the cgo app, pairs[i][1] its twin.
func (r *Report) cgoPairs() [][2]*App {
	byName := map[string]*App{}
	for _, a := range r.Apps {
		byName[a.Name] = a
	}
	var pairs [][2]*App
	for _, a := range r.Apps {
		if tw := byName[a.Name+"-purego"]; a.Cgo == "1" && tw != nil && tw.Cgo != "1" && a.Skip == "" && tw.Skip == "" {
			pairs = append(pairs, [2]*App{a, tw})
		}
	}
	return pairs
}

// cgoSection compares, per preset, the slimfront images of each cgo app
// with its pure-Go twin (cgoPairs); nothing when the run has no pair.
func (r *Report) cgoSection(b *strings.Builder) {
	pairs := r.cgoPairs()
	if len(pairs) == 0 {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## cgo against pure Go\n\n")
	p("The same app built by slimfront with a C library through cgo (`[build.env] CGO_ENABLED = \"1\"`: the image carries the C libraries the binary loads: glibc's closure on scratch, `base-debian13` on distroless, a musl build on alpine) and with a pure-Go library instead (`CGO_ENABLED = \"0\"`, a static binary), sizes from this run's cold builds:\n\n")
	p("| app | preset | cgo uncompressed | cgo compressed | pure Go app | pure Go uncompressed | pure Go compressed | cgo − pure Go (uncompressed) |\n|---|---|--:|--:|---|--:|--:|--:|\n")
	for _, pr := range pairs {
		for _, v := range pr[0].Variants {
			if v.Kind != KindSlim {
				continue
			}
			var tw *Variant
			for _, w := range pr[1].Variants {
				if w.Kind == KindSlim && w.Preset == v.Preset {
					tw = w
				}
			}
			if !v.Result.ok() || tw == nil || !tw.Result.ok() {
				p("| %s | %s | not measured (a build failed) |||||| \n", pr[0].Name, v.Preset)
				continue
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %+.2f MB |\n", pr[0].Name, v.Preset, mb(v.Result.Uncompressed), mb(v.Result.Compressed),
				pr[1].Name, mb(tw.Result.Uncompressed), mb(tw.Result.Compressed), float64(v.Result.Uncompressed-tw.Result.Uncompressed)/1e6)
		}
	}
	p("\n")
}

// CgoMarkdown is the cgo-against-pure-Go section alone, for `bench/run
// --cgo-only`.
func (r *Report) CgoMarkdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- bench/run --cgo-only on %s (load average %s at the start, %s at the end); it took %s -->\n\n",
		r.Machine.Date, r.Machine.LoadStart, r.Machine.LoadEnd, r.Took.Round(time.Second))
	r.cgoSection(&b)
	return b.String()
}

func (r *Report) frontendSection(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## The frontend itself\n\n")
	if r.Frontend.Err == "" {
		p("**Image** `%s`: %s uncompressed, %s compressed, %d layer(s) (`crane manifest`; uncompressed = the gunzipped layer blobs).\n\n", r.Frontend.Ref, mb(r.Frontend.Uncompressed), mb(r.Frontend.Compressed), r.Frontend.Layers)
	} else {
		p("**Image**: not measured (%s).\n\n", r.Frontend.Err)
	}
	p("**LLB generation** (`go test -run '^$' -bench LLBGen ./llbgen`: parse slim.toml, plan, render, marshal; base images not resolved):\n\n| example/preset | ms per generation |\n|---|--:|\n")
	for _, l := range r.LLBGen {
		p("| %s | %.3f |\n", l.Name, l.Ms)
	}
	if r.LLBGenErr != "" {
		p("| failed | %s |\n", mdEscape(firstLine(r.LLBGenErr)))
	}
	p("\n**Memory**: peak resident set (VmHWM) of the `/bin/slimfront` process, sampled from /proc every 5 ms during every slimfront build:\n\n| app | preset | peak RSS |\n|---|---|--:|\n")
	for _, a := range r.Apps {
		for _, v := range a.Variants {
			if v.Kind == KindSlim && v.Result.FrontendHWM > 0 {
				p("| %s | %s | %s |\n", a.Name, v.Preset, mb(v.Result.FrontendHWM))
			}
		}
	}
	p("\n**Frontend overhead**: median no-op rebuild with slimfront (the frontend image is resolved, started as a container, parses slim.toml and plans) minus the median no-op rebuild of the equivalent Dockerfile with the built-in `dockerfile.v0` (the rendered Dockerfile of the same preset, else the hand-written level of that preset):\n\n| app | preset | slimfront no-op | equivalent | its no-op | overhead |\n|---|---|--:|---|--:|--:|\n")
	for _, a := range r.Apps {
		for _, v := range a.Variants {
			if v.Kind != KindSlim || !v.Result.ok() || len(v.Result.Noop) == 0 {
				continue
			}
			eq := a.equivalent(v)
			if eq == nil {
				p("| %s | %s | %s | none measured | | |\n", a.Name, v.Preset, secs(median(v.Result.Noop)))
				continue
			}
			s, e := median(v.Result.Noop), median(eq.Result.Noop)
			p("| %s | %s | %s | %s | %s | %+.0f ms |\n", a.Name, v.Preset, secs(s), eq.Label(), secs(e), float64((s-e).Microseconds())/1000)
		}
	}
	p("\n")
}

// lossesSection lists every cell where a slimfront build is worse than the
// baseline, with the reason found when looking into it.
func (r *Report) lossesSection(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## Where slimfront loses\n\n")
	n := 0
	for _, a := range r.Apps {
		base := a.baseline()
		if base == nil {
			continue
		}
		for _, v := range a.Variants {
			if v.Kind != KindSlim || !v.Result.ok() {
				continue
			}
			res, br := v.Result, base.Result
			if res.Uncompressed > br.Uncompressed {
				n++
				p("- **%s %s is %s larger than `%s`** (%s vs %s). %s\n", a.Name, v.Preset, mb(res.Uncompressed-br.Uncompressed), base.Label(), mb(res.Uncompressed), mb(br.Uncompressed), sizeReason(v.Preset))
			}
			for _, c := range []struct {
				name   string
				s, bse []time.Duration
				why    string
			}{
				{"cold build", res.Cold, br.Cold, lossReason(a.Language, "cold")},
				{"no-op rebuild", res.Noop, br.Noop, lossReason(a.Language, "noop")},
				{"source-edit rebuild", res.Src, br.Src, lossReason(a.Language, "src")},
				{"dependency-edit rebuild", res.Dep, br.Dep, lossReason(a.Language, "dep")},
			} {
				if len(c.s) == 0 || len(c.bse) == 0 || median(c.s) <= median(c.bse) {
					continue
				}
				n++
				p("- **%s %s: %s %s vs %s (%.2f×)**. %s\n", a.Name, v.Preset, c.name, secs(median(c.s)), secs(median(c.bse)), median(c.s).Seconds()/median(c.bse).Seconds(), c.why)
			}
		}
	}
	for _, g := range r.goals() {
		if g.verdict != "**MISS**" {
			continue
		}
		n++
		why := g.why
		if why == "" {
			why = goalReason(g.name)
		}
		p("- **Goal missed: %s** (%s). %s\n", g.name, g.measured, why)
	}
	if n == 0 {
		p("Nowhere in this run: every slimfront build is at least as small and as fast as the baseline.\n")
	}
	p("\n")
}

// lossReason is what was found (reading the rendered Dockerfiles and the
// build logs) when slimfront was slower than the baseline.
func lossReason(lang, metric string) string {
	switch metric + "/" + lang {
	case "cold/node":
		return "The node preset builds on the full node image (compilers for native addons, git, CA certificates: a bigger pull than the seed's slim image, but no apt step), installs with `npm ci` from the lockfile into a separate stage and, on scratch, collects node's shared-library closure; the seed runs `npm install` on the slim Node image as it is."
	case "cold/python":
		return "The python preset installs Debian's python3.13 into a builder, makes a tools venv and an app venv, strips shared objects and precompiles bytecode; the seed's distroless level does similar work."
	case "src/python":
		return "After copying the sources slimfront precompiles their bytecode (so the image never writes .pyc files at run time and starts faster); the seed's Dockerfile only copies the files, a single COPY. With nothing to compile, a source edit cannot get 2× faster than one COPY: the goal is met where there is a compile step (Go)."
	case "src/node":
		return "The seed's source edit is a single COPY at the end of the Dockerfile (no build step for plain JavaScript), so there is nothing for cache mounts to save; slimfront's frontend startup (see the overhead table) is a large part of a one-second build."
	case "dep/node", "dep/python":
		return "A dependency edit reruns the preset's install step (npm ci / pip install with a cache mount) and its post-processing (pruning dev dependencies, stripping, bytecode); with few or no dependencies the seed's plain install is as fast or faster."
	case "cold/go":
		return reasonCold
	case "noop/go", "noop/node", "noop/python":
		return reasonNoop
	}
	return ""
}

const (
	reasonCold = "A cold slimfront build also pulls and starts the frontend image (`# syntax=org/slimfront`) and runs extra stages for the account files and CA certificates; the seeds' Dockerfiles do less (no CA certificates, no non-root user, no time zone data)."
	reasonNoop = "The frontend image is resolved in the registry and run as a container before BuildKit can see that everything is cached; the built-in Dockerfile frontend needs neither (see the frontend overhead table)."
)

// goalReason is what was found when looking into a missed goal.
func goalReason(name string) string {
	switch {
	case strings.Contains(name, "stripped binary"):
		return "The difference is on purpose: slimfront builds with `-tags=timetzdata` (about 450 kB of zoneinfo embedded so `time.LoadLocation` works on scratch) and adds /etc/passwd, /etc/group, /home/nonroot and /tmp for the non-root user. The yardstick has neither time zones nor a user; the rest of the difference (the account files) is a few kB."
	case strings.Contains(name, "frontend image"):
		return "The image is one static Go binary (stripped, `-trimpath`) plus the health-check probe for linux/amd64 and linux/arm64 (about 1.4 MB each); the binary's size is mostly the BuildKit client libraries it links (gateway client, dockerui, LLB, gRPC, protobuf, OpenTelemetry), and it also carries the build-step tools (closure, start check, runtime packages). Compressed, which is what a build pulls, it is well under 15 MB."
	case strings.Contains(name, "LLB"):
		return "See the LLB generation table."
	}
	return ""
}

func sizeReason(preset string) string {
	switch preset {
	case "scratch":
		return "The seeds' scratch image is the bare binary: no CA certificates (outgoing TLS fails), no /etc/passwd for a non-root user, no time zone data. slimfront adds the CA bundle (~230 kB), the account files, and builds with `-tags=timetzdata` (~450 kB of zoneinfo in the binary), all on purpose."
	case "distroless":
		return "Same distroless base as the hand-written level (its :nonroot tag); the difference is slimfront's own small files (account files, CA bundle, labels) or, for Go, the embedded zoneinfo."
	case "alpine":
		return "The alpine base (musl + busybox) adds its own files; it is the preset to pick when a shell is needed."
	}
	return ""
}

func (r *Report) methodSection(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("## How it is measured\n\n")
	p("- **Private BuildKit.** `bench/run` starts its own buildkitd (same version and registry mirrors as `hack/env`, state under `$SLIM_CACHE/work/`), so no one else's build warms or empties its cache, and stops it at the end. Other builds on the machine still share the CPUs.\n")
	p("- **Cold**: `buildctl prune --all` right before the build: no build cache, no cache mounts, no pulled base image. The base images are in the local registry on 127.0.0.1:5000, so a cold build pulls them at local-disk speed; the frontend images (`org/slimfront`, for slimfront) are pulled the same way. Each repetition starts from a fresh copy of the example in a temp dir; the repo's examples are never touched.\n")
	p("- **No-op**: the same build again, nothing changed (%d per repetition).\n", r.Config.Noops)
	p("- **Source edit**: a comment line appended to the entrypoint's first source file (e.g. `main.go`), then a rebuild.\n")
	p("- **Dependency edit**: a comment line appended to the first `deps` manifest of slim.toml (`go.mod`; for JSON manifests an extra top-level field), then a rebuild. The dependency set is unchanged, so this measures cache invalidation, not downloading new modules.\n")
	p("- **Sizes**: from the exported OCI tar (`internal/ocitar`): uncompressed = layer tars, compressed = layer blobs; attestations off (`--provenance=false`).\n")
	p("- **Baseline**: the hand-written Dockerfile marked `# bench:baseline` (the seeds' most optimised level). The `ref:` row (`# bench:size-only`) is not a seed: a stripped static binary plus the CA bundle on scratch, the yardstick of the \"within 5 %%\" goal.\n")
	p("- **Memory**: while each slimfront build runs, bench scans /proc every 5 ms for `slimfront` processes descending from its buildkitd and reads `VmHWM` (peak RSS) from `/proc/PID/status`.\n")
	p("- **Quick mode** (`--quick`, for CI) runs one repetition of one app per language, with the baseline hand-written Dockerfile only; its numbers are noisier and it writes outside the repo unless `--out` is given.\n\n")
	p("### Adaptations of the seeds' Dockerfiles\n\n")
	seen := map[string]bool{}
	for _, a := range r.Apps {
		for _, v := range a.Variants {
			if v.Kind == KindHand || v.Kind == KindReference {
				rel, _ := filepath.Rel(r.Config.Root, v.Dockerfile)
				if seen[rel] {
					continue
				}
				seen[rel] = true
				p("- `%s`: %s (the file's header comment lists every change)\n", rel, v.Note)
			}
		}
	}
	p("\n")
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}
