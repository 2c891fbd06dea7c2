package presets

import (
	"fmt"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets/base"
)

// ProbePath is where images with an HTTP `[run] healthcheck` get the probe
// (cmd/slim-probe): a static ~1.4 MB program that GETs
// http://127.0.0.1:$PORT<path> and exits 0 on 2xx/3xx, 1 otherwise. The
// image's Docker health check runs it in exec form, so no shell is needed.
const ProbePath = "/usr/local/bin/slim-probe"

// probeStage is the build-platform stage of ToolImage the probe is copied
// from: the frontend image carries the probe of every supported target as a
// file (see the repo's Dockerfile), so it is read, never run, and the
// frontend image need not exist for the target platform.
const probeStage = "slim-probe"

// probeDir is where ToolImage keeps the probes: probeDir/<os>/<arch>/slim-probe.
const probeDir = "/usr/libexec/slimfront"

// probePlatforms are the targets ToolImage has a probe for.
var probePlatforms = []string{"linux/amd64", "linux/arm64"}

// probeSource returns the probe's path in ToolImage for t's target
// platform; an ejected Dockerfile's placeholders ($TARGETOS/$TARGETARCH)
// are kept, COPY expands them.
func probeSource(t Target) (string, bool) {
	p := t.Platform
	if !isPlaceholder(p) && !containsString(probePlatforms, p.OS+"/"+p.Architecture) {
		return "", false
	}
	return probeDir + "/" + p.OS + "/" + p.Architecture + "/slim-probe", true
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Healthcheck returns the image health check of the descriptor's
// `[run] healthcheck` (nil without one): for a path, the probe's argv
// [ProbePath, path] (the port comes from $PORT, which the image's env sets
// from the port key); for an argv, the argv. Durations and retries are
// passed as given (0 = the runtime's default).
func Healthcheck(app *descriptor.App) *llbgen.Healthcheck {
	h := app.Run.Healthcheck
	if h == nil {
		return nil
	}
	argv := h.Argv
	if h.Path != "" {
		argv = []string{ProbePath, h.Path}
	}
	return &llbgen.Healthcheck{Argv: argv, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
}

// withHealthcheck sets the plan's image health check from the descriptor
// and, for an HTTP path, adds the probe: a build-platform stage of
// ToolImage inserted before the final stage and, as the final stage's
// first step (under the app's layers, so app edits do not touch it), the
// copy of the target's probe to ProbePath (root-owned, 0755). The same for
// every language and base. A target ToolImage has no probe for is an error
// at run.healthcheck listing the supported ones.
func withHealthcheck(plan llbgen.Plan, app *descriptor.App, t Target) (llbgen.Plan, error) {
	hc := Healthcheck(app)
	if hc == nil || len(plan.Stages) == 0 {
		return plan, nil
	}
	plan.Image.Healthcheck = hc
	if app.Run.Healthcheck.Path == "" {
		return plan, nil
	}
	src, ok := probeSource(t)
	if !ok {
		return plan, descriptor.Errorf(app, "run.healthcheck", "the health-check probe is built for %s, not %s; use an argv health check for this platform",
			strings.Join(probePlatforms, " and "), t.Platform.OS+"/"+t.Platform.Architecture+variant(t.Platform.Variant))
	}
	fi := -1
	for i := len(plan.Stages) - 1; i >= 0; i-- {
		if !plan.Stages[i].Verify {
			fi = i
			break
		}
	}
	if fi < 0 {
		return plan, fmt.Errorf("plan has no final stage for the health-check probe")
	}
	final := plan.Stages[fi]
	final.Steps = append([]llbgen.Step{{
		Reason: fmt.Sprintf("health-check probe: GET http://127.0.0.1:$PORT%s, exit 0 on 2xx/3xx (no shell or curl needed)", app.Run.Healthcheck.Path),
		Key:    "run.healthcheck",
		Copy:   &llbgen.Copy{From: probeStage, Src: []string{src}, Dest: ProbePath, Mode: 0o755},
	}}, final.Steps...)
	stages := make([]llbgen.Stage, 0, len(plan.Stages)+1)
	stages = append(stages, plan.Stages[:fi]...)
	stages = append(stages, llbgen.Stage{
		Name:   probeStage,
		Reason: "the frontend image, which carries the static health-check probe for each target (read as a file, never run)",
		Base:   llbgen.Base{Image: ToolImage},
		Where:  llbgen.OnBuild,
	}, final)
	stages = append(stages, plan.Stages[fi+1:]...)
	plan.Stages = stages
	return plan, nil
}

func variant(v string) string {
	if v == "" {
		return ""
	}
	return "/" + v
}

// withDebug applies the debug variant (base.Debug) when t.Debug is set.
func withDebug(plan llbgen.Plan, t Target) llbgen.Plan {
	if !t.Debug || len(plan.Stages) == 0 {
		return plan
	}
	return base.Debug(plan)
}

// DebugBuildArg is the build arg that asks for the debug variant.
const DebugBuildArg = "SLIM_DEBUG"

// parseDebug reads the SLIM_DEBUG build arg: "1"/"true" ask for the debug
// variant, ""/"0"/"false" for the normal image (case-insensitive); any other
// value is an error saying which are valid.
func parseDebug(buildArgs map[string]string) (bool, error) {
	switch v := buildArgs[DebugBuildArg]; strings.ToLower(v) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, fmt.Errorf("build arg %s=%s: use 1 (or true) for the debug image with a busybox shell at /busybox, 0 (or false, or nothing) for the normal one", DebugBuildArg, v)
	}
}
