package golang

import (
	"fmt"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

func builderImage(version string) string { return "golang:" + version }

// buildStage downloads modules from the dependency manifests alone, then
// copies the sources and cross-compiles for the target on the build platform.
func buildStage(app *descriptor.App, t presets.Target, version, pkg, name string) llbgen.Stage {
	p := t.Platform
	env := []llbgen.KV{
		{Key: "CGO_ENABLED", Value: "0"},
		{Key: "GOOS", Value: p.OS},
		{Key: "GOARCH", Value: p.Architecture},
		{Key: "GOTOOLCHAIN", Value: "local"},
		{Key: "GOFLAGS", Value: "-mod=readonly"},
	}
	switch {
	case p.Architecture == "arm" && p.Variant != "":
		env = append(env, llbgen.KV{Key: "GOARM", Value: strings.TrimPrefix(p.Variant, "v")})
	case p.Architecture == "amd64" && p.Variant != "" && p.Variant != "v1":
		env = append(env, llbgen.KV{Key: "GOAMD64", Value: p.Variant})
	}
	for _, kv := range app.Build.Env {
		env = append(env, llbgen.KV{Key: kv.Key, Value: kv.Value})
	}
	mod := llbgen.Cache{Target: modCache, ID: "go-mod"}
	gobuild := llbgen.Cache{Target: buildCache, ID: "go-build"}

	st := llbgen.Stage{
		Name:   "build",
		Reason: "compile on the build platform with the Go toolchain; never part of the image",
		Base:   llbgen.Base{Image: builderImage(version)},
		Where:  llbgen.OnBuild,
		Env:    env,
		Dir:    "/src",
	}
	if len(app.Build.Packages) > 0 {
		st.Steps = append(st.Steps, presets.AptInstall(app, app.Build.Packages))
	}
	deps := app.Deps
	if len(deps) == 0 {
		deps = []string{"go.mod"}
	}
	st.Steps = append(st.Steps,
		llbgen.Step{Reason: "dependency manifests alone, so a source edit keeps the download cached", Key: "deps",
			Copy: &llbgen.Copy{From: llbgen.Context, Src: deps, Dest: "/src/", Parents: true}},
		llbgen.Step{Reason: "download modules into a cache mount shared by all builds", Key: "deps",
			Run: presets.FetchRun(app, &llbgen.Run{Argv: []string{"go", "mod", "download"}, Caches: []llbgen.Cache{mod}})},
		llbgen.Step{Reason: "the sources, after dependencies", Key: "entrypoint",
			Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{"."}, Dest: "/src/"}},
	)
	tags := ""
	if base.Base(app.Preset) != base.Distroless { // distroless ships tzdata; elsewhere embed it (+~450 kB)
		tags = "-tags=timetzdata"
	}
	argv := []string{"go", "build", "-trimpath", "-ldflags=-s -w -buildid="}
	if tags != "" {
		argv = append(argv, tags)
	}
	argv = append(argv, "-o", outDir+"/"+name, "./"+strings.TrimPrefix(pkg, "./"))
	if pkg == "." {
		argv[len(argv)-1] = "."
	}
	st.Steps = append(st.Steps, llbgen.Step{
		Reason: fmt.Sprintf("static, stripped, reproducible binary for %s/%s", p.OS, p.Architecture),
		Key:    "entrypoint",
		// Network stays on: the module cache is a cache mount, and a cache
		// mount is only a cache. When the download step is cached (or its
		// cache was imported from a registry) but the mount is empty, go
		// build fetches what is missing, verified against go.sum.
		Run: presets.FetchRun(app, &llbgen.Run{Argv: argv, Caches: []llbgen.Cache{mod, gobuild}}),
	})
	return st
}
