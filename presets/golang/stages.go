package golang

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/base"
)

func builderImage(version string) string { return "golang:" + version }

// manifests are the include patterns of the second dependency copy: every
// module and workspace file of the context, so that the modules a go.mod
// or go.work replaces with a local directory (replace x => ./x, use ./x)
// resolve in the download step without the user listing them in deps,
// and vendor/modules.txt, which tells the download step the modules are
// vendored (go help vendor).
var manifests = []string{"**/go.mod", "**/go.sum", "**/go.work", "**/go.work.sum", "vendor/modules.txt"}

// localDirs is the shell fragment that checks the local directories named
// by replace directives (go.mod, go.work) and use directives (go.work) of
// the files given as arguments: each must stay inside /src (the build
// context) and hold a go.mod. It prints "file:line: ..." for each one
// that does not and exits 1. The awk program reads the go.mod syntax of
// https://go.dev/ref/mod#go-mod-file-replace (single lines and blocks);
// only paths starting with ./, ../ or / are directories.
const localDirs = `fail=0
for f in "$@"; do
  [ -f "$f" ] || continue
  d=$(dirname "$f")
  awk '{ sub(/\/\/.*/, "") }
    /^[ \t]*(replace|use)[ \t]*\([ \t]*$/ { blk = $1; next }
    blk != "" && /^[ \t]*\)/ { blk = ""; next }
    { kw = blk; line = $0
      if (kw == "" && ($1 == "replace" || $1 == "use")) { kw = $1; sub(/^[ \t]*(replace|use)[ \t]+/, "", line) }
      if (kw == "") next
      if (kw == "replace") { i = index(line, "=>"); if (!i) next; line = substr(line, i + 2) }
      n = split(line, w, /[ \t]+/); p = ""
      for (j = 1; j <= n; j++) if (w[j] != "") { p = w[j]; break }
      gsub(/"/, "", p)
      if (p ~ /^\.\.?(\/|$)/ || p ~ /^\//) print FNR "\t" kw "\t" p }' "$f" > /tmp/localdirs
  while IFS="$(printf '\t')" read -r n kw p; do
    abs=$(realpath -m "$d/$p")
    case "$abs" in
      /src|/src/*) [ -f "$abs/go.mod" ] || { echo "${f#/src/}:$n: $kw => $p: ${abs#/src/}/go.mod is not in the build context (left out by .dockerignore?)" >&2; fail=1; } ;;
      *) echo "${f#/src/}:$n: $kw => $p: the directory is outside the build context, which is all a build can read; move the module inside the context (and use a relative path), or vendor it (go mod vendor)" >&2; fail=1 ;;
    esac
  done < /tmp/localdirs
done
[ "$fail" = 0 ] || exit 1
`

// downloadScript checks the local replace/use directories (localDirs) of
// the files given as arguments, then runs `go mod download` unless
// vendor/modules.txt says the modules are vendored: then nothing is
// fetched (a module only an internal server has is the usual reason to
// vendor) and the build uses -mod=vendor.
const downloadScript = "set -eu\n" + localDirs + `if [ -f vendor/modules.txt ]; then
  echo "vendor/modules.txt: the modules are vendored; nothing to download (go build -mod=vendor)"
  echo "  add \"vendor/modules.txt\" to deps in slim.toml to build them with the network off"
  exit 0
fi
exec go mod download
`

// vendorManifest makes a build vendored: in the build context (read
// through the preset's ContextFiles) or listed in deps, the Plan has no
// download step and every go step of the build stage runs with
// -mod=vendor and no network (llbgen.NetNone), so a module only an
// internal server has is never looked up. Listed in deps it also holds
// where the context is not read while planning, and its PathCheck fails
// the build at the deps key when the file is missing. slim init lists it.
const vendorManifest = "vendor/modules.txt"

// vendored reports whether the build is vendored: app's deps list
// vendorManifest, or the build context (when the preset has it) holds it.
// The error is a context that could not be read.
func (p Preset) vendored(app *descriptor.App) (bool, error) {
	for _, d := range app.Deps {
		if strings.TrimPrefix(path.Clean(d), "./") == vendorManifest {
			return true, nil
		}
	}
	if p.files == nil {
		return false, nil
	}
	_, err := p.files(vendorManifest)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("reading %s of the build context: %w", vendorManifest, err)
}

// buildStage downloads modules from the dependency manifests alone, then
// copies the sources and compiles for the target on the build platform:
// CGO_ENABLED=0 (static) unless cgo is on, then with cgoEnv's compiler
// from cgoPkgs (see cgoToolchain).
func buildStage(app *descriptor.App, t presets.Target, version, pkg, name string, cgo, vend bool, cgoEnv []llbgen.KV, cgoPkgs []string) llbgen.Stage {
	p := t.Platform
	cgoVal := "0"
	if cgo {
		cgoVal = "1"
	}
	env := []llbgen.KV{
		{Key: "CGO_ENABLED", Value: cgoVal},
		{Key: "GOOS", Value: p.OS},
		{Key: "GOARCH", Value: p.Architecture},
		{Key: "GOTOOLCHAIN", Value: "local"},
		// No GOFLAGS=-mod=...: the go command's default is -mod=readonly,
		// or -mod=vendor when vendor/modules.txt exists (go help
		// modules, "Vendoring"), which is what a vendored app needs: an
		// inconsistent vendor/ is then go's "inconsistent vendoring" error.
	}
	switch {
	case p.Architecture == "arm" && p.Variant != "":
		env = append(env, llbgen.KV{Key: "GOARM", Value: strings.TrimPrefix(p.Variant, "v")})
	case p.Architecture == "amd64" && p.Variant != "" && p.Variant != "v1":
		env = append(env, llbgen.KV{Key: "GOAMD64", Value: p.Variant})
	}
	env = append(env, cgoEnv...)
	for _, kv := range app.Build.Env {
		if kv.Key == "CGO_ENABLED" { // already set above, from this value
			continue
		}
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
	if len(cgoPkgs) > 0 {
		s := presets.AptInstall(app, cgoPkgs)
		s.Reason = "the C toolchain cgo needs for " + p.OS + "/" + p.Architecture + " (Debian packages; build stage only, no emulation)"
		s.Key = cgoKey
		st.Steps = append(st.Steps, s)
	}
	if vend {
		// Nothing is downloaded, so there is nothing to cache by the
		// manifests: the sources (vendor/ included) come in one copy.
		st.Steps = append(st.Steps, llbgen.Step{Reason: "the sources with vendor/: every module the build reads (vendor/modules.txt)", Key: "entrypoint",
			Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{"."}, Dest: "/src/"}})
	} else {
		deps := app.Deps
		if len(deps) == 0 {
			deps = []string{"go.mod"}
		}
		modFiles := []string{"/src/go.mod", "/src/go.work"}
		for _, d := range deps {
			if b := d[strings.LastIndex(d, "/")+1:]; (b == "go.mod" || b == "go.work") && d != "go.mod" && d != "go.work" {
				modFiles = append(modFiles, "/src/"+d)
			}
		}
		st.Steps = append(st.Steps,
			llbgen.Step{Reason: "dependency manifests alone, so a source edit keeps the download cached", Key: "deps",
				Copy: &llbgen.Copy{From: llbgen.Context, Src: deps, Dest: "/src/", Parents: true}},
			llbgen.Step{Reason: "every go.mod/go.sum/go.work of the context and vendor/modules.txt: local replace and workspace modules resolve without listing them", Key: "deps",
				Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{"."}, Dest: "/src/", Include: manifests}},
			llbgen.Step{Reason: "check local replace directories, then download modules into a cache mount shared by all builds (skipped when vendored)", Key: "deps",
				// $0 is "go mod download" so the step's name says what it runs.
				Run: presets.FetchRun(app, &llbgen.Run{Argv: append([]string{"sh", "-c", downloadScript, "go mod download"}, modFiles...), Caches: []llbgen.Cache{mod}})},
			llbgen.Step{Reason: "the sources, after dependencies", Key: "entrypoint",
				Copy: &llbgen.Copy{From: llbgen.Context, Src: []string{"."}, Dest: "/src/"}},
		)
	}
	var tags []string
	if base.Base(app.Preset) != base.Distroless { // distroless ships tzdata; elsewhere embed it (+~450 kB)
		tags = append(tags, "timetzdata")
	}
	for _, tg := range app.Build.Tags {
		if tg != "timetzdata" || len(tags) == 0 {
			tags = append(tags, tg)
		}
	}
	ldflags := "-s -w -buildid="
	if app.Build.Ldflags != "" {
		ldflags += " " + app.Build.Ldflags
	}
	flags := []string{"-trimpath", "-ldflags=" + ldflags}
	// goRun is a go step: with vendored modules, -mod=vendor on the command
	// line (it wins over a GOFLAGS=-mod=mod of [build.env]), no module
	// cache and no network; otherwise the module cache, and the network
	// and secrets of a fetching step (see the build step below).
	var modFlag []string
	goRun := func(argv []string, caches ...llbgen.Cache) *llbgen.Run {
		if vend {
			return &llbgen.Run{Argv: argv, Caches: caches, Network: llbgen.NetNone}
		}
		return presets.FetchRun(app, &llbgen.Run{Argv: argv, Caches: append([]llbgen.Cache{mod}, caches...)})
	}
	if vend {
		modFlag = []string{"-mod=vendor"}
		flags = append(flags, modFlag...)
	}
	if len(tags) > 0 {
		flags = append(flags, "-tags="+strings.Join(tags, ","))
	}
	flags = append(flags, "-o", outDir+"/"+name)
	target := "./" + strings.TrimPrefix(pkg, "./")
	if pkg == "." {
		target = "."
	}
	if cgoSetting(app) == "" {
		st.Steps = append(st.Steps, llbgen.Step{
			Reason: "fail when a dependency has C code (cgo) and the descriptor does not say CGO_ENABLED",
			Key:    "entrypoint",
			Run:    goRun(append([]string{"sh", "-c", cgoCheck, "cgo-check", target}, modFlag...)),
		})
	}
	what := "static, stripped, reproducible binary"
	if cgo {
		what = "cgo, stripped, reproducible binary"
	}
	st.Steps = append(st.Steps, llbgen.Step{
		Reason: fmt.Sprintf("%s for %s/%s", what, p.OS, p.Architecture),
		Key:    "entrypoint",
		// Without vendor/ the network stays on: the module cache is a
		// cache mount, and a cache mount is only a cache. When the
		// download step is cached (on this machine after the mount was
		// pruned, or in CI from a --cache-from registry, which never
		// carries cache mounts) but the mount is empty, go build fetches
		// what is missing, verified against go.sum; with no network that
		// build would fail. A vendored build (-mod=vendor) reads vendor/
		// only, so it runs with no network (goRun).
		Run: goRun(append(append([]string{"go", "build"}, flags...), target), gobuild),
	})
	return st
}
