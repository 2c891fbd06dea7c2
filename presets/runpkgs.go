package presets

import (
	"slices"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets/base"
)

// RunPackagesStage is the name of the stage that unpacks `[run] packages`
// for distroless and scratch images, and runPackagesOut where it leaves
// them (laid over the final image's root).
const (
	RunPackagesStage = "runpkgs"
	runPackagesOut   = "/out"
	// RunPackagesImage is the build-platform Debian image the packages are
	// resolved and downloaded in: the same release (trixie) as distroless
	// and every Debian builder.
	RunPackagesImage = "debian:13-slim"
)

// runPackagesScript prepares apt for the target's architecture ($1) on the
// build platform and hands over to `slimfront runpkgs`: indexes are kept
// uncompressed so the tool can read them; nothing of the target's
// architecture is installed or run (dpkg --add-architecture only lets apt
// download it).
const runPackagesScript = `set -eu
arch=$1; shift
[ "$arch" = "$(dpkg --print-architecture)" ] || dpkg --add-architecture "$arch"
apt-get update -qq -o Acquire::GzipIndexes=false -o Acquire::Languages=none
exec /slim/slimfront runpkgs --lists /var/lib/apt/lists --out ` + runPackagesOut + ` "$@"`

// withRunPackages applies `[run] packages` for every language:
//
//   - on distroless and scratch, a build-platform stage RunPackagesStage
//     (debian:13-slim plus the frontend's `slimfront runpkgs`) resolves the
//     Debian trixie packages and their dependencies for the target
//     architecture, minus what the image already has (the distroless
//     base's /var/lib/dpkg/status.d records and the records of the
//     plan's library closure, `slimfront closure --records`), downloads
//     them with apt-get download and unpacks them with their status.d
//     records, without maintainer scripts, docs, man pages and locales;
//     the final stage copies the result first, under the app's layers. An
//     unknown name fails that step at the run.packages line with
//     suggestions.
//   - on alpine, `apk add --no-cache` in the final stage, unless the preset
//     already added that step (key run.packages).
//
// Libraries a program opens with dlopen (Python's ctypes, node's
// process.dlopen) are invisible to the closure and the start check's ELF
// reading of DT_NEEDED, so this key is how they get into the image; the
// start check then proves their own libraries resolve.
func withRunPackages(plan llbgen.Plan, app *descriptor.App, t Target) llbgen.Plan {
	if len(app.Run.Packages) == 0 || len(plan.Stages) == 0 {
		return plan
	}
	fi := -1
	for i := len(plan.Stages) - 1; i >= 0; i-- {
		if !plan.Stages[i].Verify {
			fi = i
			break
		}
	}
	if fi < 0 {
		return plan
	}
	final := plan.Stages[fi]
	final.Steps = slices.Clone(final.Steps)
	if base.Base(app.Preset) == base.Alpine {
		if slices.ContainsFunc(final.Steps, func(s llbgen.Step) bool { return s.Key == "run.packages" }) {
			return plan
		}
		final.Steps = append(final.Steps, llbgen.Step{Reason: "runtime system packages the descriptor asked for", Key: "run.packages",
			Run: &llbgen.Run{Argv: append([]string{"apk", "add", "--no-cache"}, app.Run.Packages...)}})
		plan.Stages = slices.Clone(plan.Stages)
		plan.Stages[fi] = final
		return plan
	}
	mounts := []llbgen.Mount{{Target: "/slim", From: "image:" + ToolImage, Source: "/bin"}}
	argv := []string{"sh", "-c", runPackagesScript, "runpkgs", debArch(t)}
	if final.Base.Image != "" {
		mounts = append(mounts, llbgen.Mount{Target: "/have/base", From: "image:" + final.Base.Image})
		argv = append(argv, "--have", "/have/base")
	}
	for _, s := range plan.Stages[:fi] {
		if isClosureStage(s) {
			mounts = append(mounts, llbgen.Mount{Target: "/have/" + s.Name, From: s.Name, Source: ClosureOut})
			argv = append(argv, "--have", "/have/"+s.Name)
		}
	}
	argv = append(argv, app.Run.Packages...)
	stage := llbgen.Stage{
		Name:   RunPackagesStage,
		Reason: "[run] packages: Debian trixie packages and their dependencies the image lacks, unpacked for the target without maintainer scripts, docs, man pages or locales, with their package records",
		Base:   llbgen.Base{Image: RunPackagesImage},
		Where:  llbgen.OnBuild,
		Env:    toolEnv(t),
		User:   "0:0",
		Steps: []llbgen.Step{{
			Reason: "resolve " + strings.Join(app.Run.Packages, ", ") + " for the target's architecture, download the .debs with apt, unpack them as data (never run)",
			Key:    "run.packages",
			Run:    &llbgen.Run{Argv: argv, Mounts: mounts},
		}},
	}
	final.Steps = append([]llbgen.Step{{
		Reason: "runtime packages from [run] packages (" + strings.Join(app.Run.Packages, ", ") + ") with their status.d records",
		Key:    "run.packages",
		Copy:   &llbgen.Copy{From: RunPackagesStage, Src: []string{runPackagesOut + "/"}, Dest: "/"},
	}}, final.Steps...)
	stages := make([]llbgen.Stage, 0, len(plan.Stages)+1)
	stages = append(stages, plan.Stages[:fi]...)
	stages = append(stages, stage, final)
	stages = append(stages, plan.Stages[fi+1:]...)
	plan.Stages = stages
	return plan
}

// isClosureStage reports whether s runs `slimfront closure` (a Closure's
// Stage), whose output holds the records of the libraries it copied.
func isClosureStage(s llbgen.Stage) bool {
	if s.Base.Image != ToolImage {
		return false
	}
	for _, st := range s.Steps {
		if st.Run != nil && len(st.Run.Argv) > 1 && st.Run.Argv[0] == toolBin && st.Run.Argv[1] == "closure" {
			return true
		}
	}
	return false
}

// debArch is the Debian architecture of t's target (dpkg's names), or the
// $TARGETARCH placeholder for the portable Dockerfile.
func debArch(t Target) string {
	switch a := t.Platform.Architecture; a {
	case "arm":
		if t.Platform.Variant == "v5" {
			return "armel"
		}
		return "armhf"
	case "386":
		return "i386"
	case "ppc64le":
		return "ppc64el"
	default:
		return a
	}
}
