package golang

import (
	"fmt"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
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
	if app.Preset != "distroless" { // distroless ships tzdata; elsewhere embed it (+~450 kB)
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

// scratchStage is an empty image plus exactly what a static Go binary needs:
// CA certificates, account files for the non-root user, /tmp.
func scratchStage(uid, gid int) llbgen.Stage {
	passwd, group := presets.Accounts(uid, gid)
	own := fmt.Sprintf("%d:%d", uid, gid)
	return llbgen.Stage{
		Name:   "final",
		Reason: "scratch: nothing but the binary, CA certificates and account files",
		Base:   llbgen.Base{Scratch: true},
		Steps: []llbgen.Step{
			{Reason: "CA certificates for outgoing TLS", Copy: &llbgen.Copy{From: "build", Src: []string{"/etc/ssl/certs/ca-certificates.crt"}, Dest: "/etc/ssl/certs/ca-certificates.crt"}},
			{Reason: "account of the non-root user", File: &llbgen.File{Path: "/etc/passwd", Data: passwd, Mode: 0o644}},
			{Reason: "group of the non-root user", File: &llbgen.File{Path: "/etc/group", Data: group, Mode: 0o644}},
			{Reason: "home of the non-root user", Dir: &llbgen.Dir{Path: "/home/nonroot", Mode: 0o700, Chown: own}},
			{Reason: "a writable temporary directory", Dir: &llbgen.Dir{Path: "/tmp", Mode: 0o1777}},
		},
	}
}

// accountsStage merges the non-root user into alpine's own passwd/group on
// the build platform, so multi-platform alpine images need no emulation.
func accountsStage(version string, uid, gid int) llbgen.Stage {
	return llbgen.Stage{
		Name:   "accounts",
		Reason: "add the non-root user to alpine's account files without running on the target",
		Base:   llbgen.Base{Image: builderImage(version)},
		Where:  llbgen.OnBuild,
		Steps: []llbgen.Step{
			{Reason: "alpine's account files", Copy: &llbgen.Copy{From: "image:" + alpineImage, Src: []string{"/etc/passwd", "/etc/group"}, Dest: "/accounts/"}},
			{Reason: "append the non-root user", Run: &llbgen.Run{Argv: []string{"sh", "-c", presets.AppendAccountsScript("/accounts", uid, gid)}, Network: llbgen.NetNone}},
		},
	}
}
