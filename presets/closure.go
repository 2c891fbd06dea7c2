package presets

import (
	"fmt"
	"path"
	"strings"

	"github.com/containerd/platforms"
	"github.com/slimfront/slimfront/llbgen"
)

// ToolImage is the slimfront frontend image, whose static /bin/slimfront
// also carries the build-step tools (`slimfront closure`, `slimfront
// startcheck`). The frontend resolves this reference to the image it runs
// from (the `# syntax=` or --frontend source), so the tools always match
// the frontend; an ejected Dockerfile pulls it by this name.
const ToolImage = "docker.io/org/slimfront:latest"

// toolBin is the tools' path inside ToolImage.
const toolBin = "/bin/slimfront"

// ClosureOut is where a ClosureStage leaves its result: the libraries at
// their image paths, to be copied onto the final image's root.
const ClosureOut = "/out"

// Closure describes one `slimfront closure` run.
type Closure struct {
	// Name of the stage to create.
	Name string
	// From is the target-platform stage that holds the programs and the
	// libraries they load; it is mounted read-only and read as data.
	From string
	// Entries are image paths (files or directories) in From whose ELF
	// objects' libraries are collected.
	Entries []string
	// Skip are image directories the final image copies whole (a venv,
	// node_modules): libraries inside them are not copied twice.
	Skip []string
	// Trees are dependency trees (a venv, node_modules) that are resolved
	// like Entries and copied whole into the result without their foreign
	// prebuilds (ELF files for another architecture or C library, which
	// nothing loads: bcrypt's musl build in a glibc image), so the final
	// image takes them from this stage (CopyClosure) and not from the
	// install stage. The closure's JSON line in the build log counts the
	// dropped files and bytes.
	Trees []string
	// Trim leaves out of the Trees what never runs in production (test
	// suites, docs, examples, C headers, static libraries, stubs,
	// TypeScript, source maps, readmes: elfdeps.PlanTrim), reported per
	// kind and per package in the JSON line. Keep are paths relative to
	// site-packages or node_modules that stay ([run] keep); SourceMaps
	// keeps node_modules' source maps (node --enable-source-maps).
	Trim       bool
	Keep       []string
	SourceMaps bool
	// Sourceless leaves every X.py of the Trees that has X.pyc beside it
	// out of the copy ([run] sourceless, --sourceless).
	Sourceless bool
	// Have names the final image's base (llbgen "image:<ref>" or a stage):
	// libraries it already has are left out. Empty for scratch.
	Have string
	// Stdlib, when set, brings the standard library's extension modules
	// into the result (--stdlib-ext), with Trim only those something can
	// import.
	Stdlib *Stdlib
}

// Stdlib describes a Python standard library's extension modules for a
// Closure: with trimming, the modules nothing imports (from the app's
// sources, the Trees, the interpreter's start and the stdlib's own import
// graph: elfdeps.PlanStdlib) stay out of the image, and so do the shared
// libraries only they load.
type Stdlib struct {
	// Dynload is the lib-dynload directory in From; Dest is where the
	// image has it (the final stage copies the rest of the interpreter's
	// tree without it).
	Dynload, Dest string
	// Graph is the stdlib's import graph in From (JSON).
	Graph string
	// Sources are the app's sources (a stage and a directory in it),
	// mounted read-only: their imports count.
	Sources []llbgen.Mount
	// Roots are modules that stay reachable whatever imports them (the
	// entrypoint's and [env]'s words; names of no stdlib module are
	// ignored).
	Roots []string
}

// sourcesDir is where Closure.Stage mounts Stdlib.Sources (numbered).
const sourcesDir = "/sources"

// Stage returns the build-platform stage that runs `slimfront closure` over
// c.From for t's target platform. It replaces the ldd step: the ELF dynamic
// sections are read with debug/elf and DT_NEEDED is resolved the way glibc's
// ld.so(8) (or musl's loader) would on the target, so an arm64 image needs no
// emulation, nothing inspected is ever executed, and a library the loader
// would not find fails the build here with the file that needs it. With
// --records the result also holds distroless-style status.d records of the
// Debian packages (from c.From's dpkg database) that own the copied
// libraries and the entry programs, so scanners list glibc, OpenSSL and
// the rest on scratch too. With c.Trim the trees are trimmed (--trim,
// --keep, --keep-source-maps) and the step's reason, which `slim plan`
// shows, says what kinds go.
func (c Closure) Stage(t Target) llbgen.Stage {
	argv := []string{toolBin, "closure", "--root", "/target", "--out", ClosureOut, "--records"}
	mounts := []llbgen.Mount{{Target: "/target", From: c.From}}
	for _, s := range c.Skip {
		argv = append(argv, "--skip", s)
	}
	for _, d := range c.Trees {
		argv = append(argv, "--tree", d)
	}
	reason := "resolve DT_NEEDED through RUNPATH, ld.so.conf and the target's default directories; copy the result"
	if c.Trim && len(c.Trees) > 0 {
		argv = append(argv, "--trim")
		for _, k := range c.Keep {
			argv = append(argv, "--keep", k)
		}
		if c.SourceMaps {
			argv = append(argv, "--keep-source-maps")
		}
		reason += "; trimming is on: the trees lose their test suites, docs and examples, C headers, static libraries, .pyi stubs, TypeScript sources and declarations"
		if !c.SourceMaps {
			reason += ", source maps"
		}
		reason += " and readmes/changelogs (licences, package metadata, entry points and imported modules stay; bytes per kind and package in the closure's JSON line)"
		if len(c.Keep) > 0 {
			reason += "; kept: " + strings.Join(c.Keep, ", ")
		}
	}
	if c.Sourceless && len(c.Trees) > 0 {
		argv = append(argv, "--sourceless")
		reason += "; [run] sourceless: a module's .py stays out where its .pyc is beside it"
	}
	if s := c.Stdlib; s != nil {
		argv = append(argv, "--stdlib-ext", s.Dynload+"="+s.Dest)
		if c.Trim && len(c.Trees) > 0 {
			argv = append(argv, "--stdlib-graph", s.Graph)
			for i, m := range s.Sources {
				dir := fmt.Sprintf("%s/%d", sourcesDir, i)
				argv = append(argv, "--sources", dir)
				mounts = append(mounts, llbgen.Mount{Target: dir, From: m.From, Source: m.Source})
			}
			for _, r := range s.Roots {
				argv = append(argv, "--stdlib-root", r)
			}
			reason += "; the standard library's extension modules nothing imports (from the app's sources, the dependencies, the interpreter's start and the stdlib's own imports) stay out, with the libraries only they load"
		}
	}
	if c.Have != "" {
		argv = append(argv, "--have", "/base")
		mounts = append(mounts, llbgen.Mount{Target: "/base", From: c.Have})
	}
	argv = append(argv, c.Entries...)
	return llbgen.Stage{
		Name:   c.Name,
		Reason: "exactly the shared libraries these programs load, resolved from their ELF headers for the target (never run)",
		Base:   llbgen.Base{Image: ToolImage},
		Where:  llbgen.OnBuild,
		Env:    toolEnv(t),
		User:   "0:0",
		Steps: []llbgen.Step{{
			Reason: reason,
			Run:    &llbgen.Run{Argv: argv, Mounts: mounts, Network: llbgen.NetNone},
		}},
	}
}

// CopyClosure is the final-stage step that lays a Closure stage's result
// (the libraries, and its Trees when it has some) over the image root.
func CopyClosure(stage string) llbgen.Step {
	return llbgen.Step{
		Reason: "the shared libraries the programs load",
		Copy:   &llbgen.Copy{From: stage, Src: []string{ClosureOut + "/"}, Dest: "/"},
	}
}

// CopyClosureTrees is CopyClosure for a Closure with Trees: one step that
// lays the dependency trees (foreign prebuilds dropped) and the libraries
// they and the entries load over the image root. It carries the
// descriptor key "deps", since the trees come from the dependency install.
func CopyClosureTrees(stage, what string) llbgen.Step {
	return llbgen.Step{
		Reason: what + " without foreign prebuilds, and the shared libraries the programs load",
		Key:    "deps",
		Copy:   &llbgen.Copy{From: stage, Src: []string{ClosureOut + "/"}, Dest: "/"},
	}
}

// StartCheckStages are the start check every plan ends with: a
// build-platform Verify stage "startcheck" that mounts the finished image
// read-only and checks that every ELF object in it (the base's files
// included) is for the target platform and that its interpreter and
// DT_NEEDED libraries resolve inside the image, so a green build of an
// image that cannot start does not exist. The second stage,
// "startcheck-explain", runs the same check only when the first fails,
// with the dpkg database of the stage dpkgFrom (the builder; "" when the
// plan has none) mounted, to name the Debian package that provides a
// missing library and the descriptor line to add. Keeping the builder out
// of the passing check matters on CI: a build from an imported cache then
// never pulls the builder's layers just to check the image.
func StartCheckStages(final, dpkgFrom string, t Target) []llbgen.Stage {
	stage := func(name, explains string, argv []string, mounts []llbgen.Mount) llbgen.Stage {
		return llbgen.Stage{
			Name:     name,
			Reason:   "prove the image can start: every program's loader and libraries are in it, for the target architecture",
			Base:     llbgen.Base{Image: ToolImage},
			Where:    llbgen.OnBuild,
			Env:      toolEnv(t),
			User:     "0:0",
			Verify:   true,
			Explains: explains,
			Steps: []llbgen.Step{{
				Reason: "read every ELF object of the image as data; fail with the file and the missing library",
				Run:    &llbgen.Run{Argv: argv, Mounts: mounts, Network: llbgen.NetNone},
			}},
		}
	}
	argv := []string{toolBin, "startcheck", "--root", "/image"}
	mounts := []llbgen.Mount{{Target: "/image", From: final}}
	out := []llbgen.Stage{stage("startcheck", "", argv, mounts)}
	if dpkgFrom != "" {
		x := stage("startcheck-explain", "startcheck", append(append([]string{}, argv...), "--dpkg", "/builder"),
			append(append([]llbgen.Mount{}, mounts...), llbgen.Mount{Target: path.Join("/builder", dpkgDir), From: dpkgFrom, Source: dpkgDir}))
		x.Reason = "only when the start check fails: the same check with the builder's package database, to name the package to add"
		out = append(out, x)
	}
	return out
}

// dpkgDir is Debian's package database (dpkg(1)): info/*.list name the
// files of every installed package.
const dpkgDir = "/var/lib/dpkg"

// toolEnv passes the target platform to the tools through the environment
// (SLIM_TARGET_PLATFORM), which an ejected Dockerfile's ENV expands from
// $TARGETOS/$TARGETARCH.
func toolEnv(t Target) []llbgen.KV {
	return []llbgen.KV{{Key: "SLIM_TARGET_PLATFORM", Value: platforms.Format(t.Platform)}}
}

// withStartCheck appends the start check to plan: the final image is its
// last stage, the dpkg database comes from the first stage built on a
// Debian-based image (every preset's builder).
func withStartCheck(plan llbgen.Plan, t Target) llbgen.Plan {
	if len(plan.Stages) == 0 {
		return plan
	}
	final := plan.Final().Name
	dpkgFrom := ""
	for _, s := range plan.Stages {
		if s.Base.Image != "" && s.Base.Image != ToolImage && isDebian(s.Base.Image) {
			dpkgFrom = s.Name
			break
		}
	}
	plan.Stages = append(plan.Stages, StartCheckStages(final, dpkgFrom, t)...)
	return plan
}

// isDebian reports whether a builder image has Debian's package database:
// every base image slimfront builds on except alpine-based ones (apk) and
// distroless (per-package records in status.d, and never a builder).
func isDebian(ref string) bool {
	return !strings.Contains(ref, "alpine") && !strings.HasPrefix(ref, "gcr.io/distroless/")
}

// TrimPlan is what one closure step of a plan does to its dependency
// trees (Closure.Trim), as `slim plan` shows it.
type TrimPlan struct {
	Stage string   // the closure stage
	Trees []string // the trees it copies (--tree)
	On    bool     // --trim: trimming is on
	Keep  []string // [run] keep paths (--keep)
	// Kinds are what trimming removes, in words; without "source maps"
	// when the app enables them (--keep-source-maps).
	Kinds []string
}

// Trimming returns, for every `slimfront closure` step of plan that copies
// dependency trees (Closure.Stage with Trees), what it trims, read back
// from the step's argv (the flags Closure.Stage writes); the kinds follow
// the plan's language (its dev.slimfront.language label). Plans without
// such a step (Go) give none.
func Trimming(plan llbgen.Plan) []TrimPlan {
	var out []TrimPlan
	lang := ""
	for _, kv := range plan.Image.Labels {
		if kv.Key == languageLabel {
			lang = kv.Value
		}
	}
	for _, s := range plan.Stages {
		for _, st := range s.Steps {
			if st.Run == nil || len(st.Run.Argv) < 2 || st.Run.Argv[0] != toolBin || st.Run.Argv[1] != "closure" {
				continue
			}
			tp := TrimPlan{Stage: s.Name}
			maps, stdlib := true, false
			argv := st.Run.Argv
			for i := 2; i < len(argv); i++ {
				switch argv[i] {
				case "--tree":
					if i+1 < len(argv) {
						tp.Trees = append(tp.Trees, argv[i+1])
						i++
					}
				case "--keep":
					if i+1 < len(argv) {
						tp.Keep = append(tp.Keep, argv[i+1])
						i++
					}
				case "--trim":
					tp.On = true
				case "--keep-source-maps":
					maps = false
				case "--stdlib-graph":
					stdlib = true
				}
			}
			if len(tp.Trees) == 0 {
				continue
			}
			if tp.On {
				tp.Kinds = trimKinds(lang, maps)
				if stdlib {
					tp.Kinds = append(tp.Kinds, "standard-library extension modules nothing imports, with the libraries only they load")
				}
			}
			out = append(out, tp)
		}
	}
	return out
}

// trimKinds are the kinds elfdeps.PlanTrim removes from a language's trees,
// in words (both languages' when lang is neither).
func trimKinds(lang string, sourceMaps bool) []string {
	py := []string{"test suites, docs and examples inside installed distributions", "C headers", "static libraries", ".pyi stubs", "C and Cython sources"}
	node := []string{"tests, docs and examples of npm packages", "TypeScript sources and declarations"}
	if sourceMaps {
		node = append(node, "source maps")
	}
	node = append(node, "readmes and changelogs")
	switch lang {
	case "python":
		return py
	case "node":
		return node
	}
	return append(py, node...)
}

// languageLabel is the image label naming the app's language (every
// preset's image config carries it).
const languageLabel = "dev.slimfront.language"
