package llbgen_test

// LLB generation time: what the frontend does between reading slim.toml and
// handing the definition to the solver, for each example and preset:
// parse + validate the descriptor, plan, render to llb.State, marshal.
// Base images are not resolved (as in `slim llb`): resolution is registry
// I/O, measured by bench/ as part of the build, not LLB generation.
//
//	go test -run '^$' -bench LLBGen ./llbgen
//
// bench/run parses the "ms/gen" metric into BENCHMARKS.md (goal: <= 5 ms).

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

func BenchmarkLLBGen(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("..", "examples", "*", "slim.toml"))
	sort.Strings(files)
	if len(files) == 0 {
		b.Skip("no examples/*/slim.toml found")
	}
	reg := all.Registry()
	target := platforms.Normalize(platforms.MustParse("linux/amd64"))
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		example := filepath.Base(filepath.Dir(f))
		app, err := descriptor.Parse("slim.toml", src, reg.Options(nil))
		if err != nil {
			continue // a language whose preset has not landed yet
		}
		p, ok := reg.Lookup(app.Language)
		if !ok {
			continue
		}
		for _, base := range p.Bases() {
			b.Run(example+"/"+base, func(b *testing.B) {
				args := map[string]string{presets.BuildArgFor("preset"): base}
				ctx := context.Background()
				var total time.Duration
				for b.Loop() {
					start := time.Now()
					loaded, err := reg.Load(presets.Request{File: "slim.toml", Source: src, BuildArgs: args, Build: target})
					if err != nil {
						b.Fatal(err)
					}
					plan := loaded.Plans[0]
					res, err := llbgen.Render(ctx, plan, llbgen.Options{
						BuildPlatform:  target,
						TargetPlatform: target,
						Context:        llb.Local("context", llb.LocalUniqueID("bench")),
						Images:         llbgen.UnresolvedImages{},
					})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := res.State.Marshal(ctx, llb.Platform(target)); err != nil {
						b.Fatal(err)
					}
					total += time.Since(start)
				}
				b.ReportMetric(float64(total.Nanoseconds())/float64(b.N)/1e6, "ms/gen")
			})
		}
	}
}
