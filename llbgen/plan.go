package llbgen

import (
	"strconv"
	"strings"
	"time"
)

// A Plan is the whole build in language-free terms: ordered stages, each a
// base plus steps, and the configuration of the final image. Presets produce
// Plans; llbgen renders them to LLB; other renderers (Dockerfile, summaries)
// read the same value.
type Plan struct {
	// Stages in dependency order. The last stage that is not a Verify
	// stage is the final image; Verify stages may follow it.
	Stages []Stage
	Image  ImageConfig // config of the final image (merged over its base's)
	Checks []PathCheck // paths that must exist in the build context
}

// Where selects the platform a stage runs on.
type Where int

const (
	// OnTarget stages run on (and produce files for) the target platform.
	OnTarget Where = iota
	// OnBuild stages run on the build platform: compilers that
	// cross-compile for the target run here, without emulation.
	OnBuild
)

// Stage is one FROM ... section.
type Stage struct {
	Name   string
	Reason string // one line: why this stage exists
	Base   Base
	Where  Where
	Env    []KV   // set for all steps of the stage
	Dir    string // working directory for steps ("" = base's)
	User   string // user for run steps ("" = base's)
	Steps  []Step
	// Verify marks a stage that checks the image instead of contributing
	// to it (the start check): nothing may copy from it or build on it,
	// the frontend solves it before the image is exported, and its failure
	// fails the build.
	Verify bool
	// Explains names the Verify stage this one explains: it is a Verify
	// stage too, but runs only when that stage fails, to turn the failure
	// into a better message (the start check looks up the Debian package
	// of a missing library in the builder, which a passing build should
	// not have to pull from a remote cache).
	Explains string
}

// Base is what a stage starts from: exactly one of Image, Stage or Scratch.
type Base struct {
	Image   string // image reference, e.g. "docker.io/library/debian:13-slim"
	Stage   string // name of an earlier stage
	Scratch bool
}

// Step is one of Copy, Run, File.
type Step struct {
	Reason string // one line: why this step exists
	Key    string // descriptor key that asked for it (source-mapped in errors)
	Copy   *Copy
	Run    *Run
	File   *File
	Dir    *Dir
}

// Context is the From value of a Copy that reads the main build context.
const Context = "context"

// Copy copies paths from the build context, a stage or an image.
type Copy struct {
	From      string   // Context, a stage name, or "image:<ref>"
	Src       []string // paths in From; copied into Dest
	Dest      string   // directory (ends in "/") or file
	Include   []string // include patterns (only with a directory Src)
	Exclude   []string
	Chown     string // "uid:gid", "" = root
	Mode      uint32 // 0 = keep
	Parents   bool   // keep the source's parent dirs (like COPY --parents)
	AllowMiss bool   // a missing source is not an error
}

// Run executes an argv in the stage.
type Run struct {
	Argv    []string
	Env     []KV
	Caches  []Cache
	Secrets []Secret
	SSH     bool
	Network Network
	Mounts  []Mount
}

// Mount is a read-only bind mount of another stage's (or an image's) files
// into a Run, like `RUN --mount=type=bind,from=...`: tools that run on the
// build platform read a target-platform stage as data, without emulation.
type Mount struct {
	Target string // where the files appear in the step
	From   string // a stage name, or "image:<ref>"
	Source string // path inside From ("" = its root)
}

// Network is the network mode of a Run.
type Network int

const (
	NetDefault Network = iota // the daemon's default (needed to fetch dependencies)
	NetNone                   // no network: pure compile steps
)

// Cache is a persistent cache mount (package manager and compiler caches).
type Cache struct {
	Target string
	ID     string // stable id, namespaced by the frontend
	Locked bool   // sharing=locked instead of shared
	Chown  int    // uid owning the mount root (0 = root)
}

// Secret is a BuildKit secret mounted as a file or exposed as an env var.
type Secret struct {
	ID     string
	Target string // file path; "" = /run/secrets/<id>
	Env    string // env var name instead of a file
}

// File writes a file with literal contents (passwd entries, configs).
type File struct {
	Path  string
	Data  []byte
	Mode  uint32
	Chown string
}

// Dir creates a directory.
type Dir struct {
	Path  string
	Mode  uint32
	Chown string
}

// KV is an ordered key/value pair.
type KV struct{ Key, Value string }

// ImageConfig is the configuration of the final image. Empty fields keep the
// base image's value; Env entries replace same-named base entries.
type ImageConfig struct {
	Entrypoint []string
	Cmd        []string
	User       string
	Dir        string
	Env        []KV
	Ports      []string // "8080/tcp"
	// Volumes are absolute directories declared as volumes (the OCI
	// config's Volumes, Dockerfile's VOLUME): where the app keeps state, so
	// a runtime mounts storage there instead of writing into the container's
	// layer. Base image volumes are kept.
	Volumes    []string
	Labels     []KV
	StopSignal string
	// Healthcheck is the container health check; nil keeps the base
	// image's (none of slimfront's bases has one).
	Healthcheck *Healthcheck
}

// Healthcheck is the image's container health check: what Docker's
// HEALTHCHECK instruction stores in the image config (Config.Healthcheck,
// moby/docker-image-spec HealthcheckConfig), always in exec form, so it
// needs no shell in the image. Docker, Compose, Swarm and Nomad's docker
// driver run it; Kubernetes ignores it.
type Healthcheck struct {
	// Argv is the command, run in the container without a shell: the
	// config's Test is ["CMD", Argv...]. Exit 0 is healthy, 1 unhealthy.
	Argv []string
	// Interval, Timeout and StartPeriod are durations; 0 keeps the
	// runtime's default (Docker: 30s, 30s, 0s).
	Interval, Timeout, StartPeriod time.Duration
	// Retries is how many consecutive failures make the container
	// unhealthy; 0 keeps the runtime's default (Docker: 3).
	Retries int
}

// Flags renders the timing as HEALTHCHECK options in Dockerfile syntax
// ("--interval=10s --retries=5"), only the ones that are set, in the
// order Docker documents them; "" when none is.
func (h Healthcheck) Flags() string {
	var f []string
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", h.Interval}, {"timeout", h.Timeout}, {"start-period", h.StartPeriod}} {
		if d.v != 0 {
			f = append(f, "--"+d.name+"="+d.v.String())
		}
	}
	if h.Retries != 0 {
		f = append(f, "--retries="+strconv.Itoa(h.Retries))
	}
	return strings.Join(f, " ")
}

// PathCheck names a path the build context must contain.
type PathCheck struct {
	Key  string // descriptor key that names it (for the error location)
	Path string
	Dir  bool // must be a directory (false: a file or directory)
	File bool // must be a regular file
}
