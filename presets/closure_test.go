package presets

import (
	"slices"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/llbgen"
)

var crossTarget = Target{
	Build:    ocispecs.Platform{OS: "linux", Architecture: "amd64"},
	Platform: ocispecs.Platform{OS: "linux", Architecture: "arm64"},
}

func TestClosureRunsTheToolOnTheBuildPlatformOverAReadOnlyTarget(t *testing.T) {
	st := Closure{Name: "libs", From: "deps", Entries: []string{"/usr/bin/python3.13", "/app/.venv"},
		Skip: []string{"/app/.venv"}, Have: "runtime"}.Stage(crossTarget)
	if st.Where != llbgen.OnBuild || st.Base.Image != ToolImage || st.Verify {
		t.Fatalf("stage %+v", st)
	}
	if !slices.Contains(st.Env, llbgen.KV{Key: "SLIM_TARGET_PLATFORM", Value: "linux/arm64"}) {
		t.Errorf("target platform not passed: %v", st.Env)
	}
	run := st.Steps[0].Run
	if run.Network != llbgen.NetNone {
		t.Error("the closure needs no network")
	}
	want := "/bin/slimfront closure --root /target --out /out --records --skip /app/.venv --have /base /usr/bin/python3.13 /app/.venv"
	if got := strings.Join(run.Argv, " "); got != want {
		t.Errorf("argv\n got %s\nwant %s", got, want)
	}
	if len(run.Mounts) != 2 || run.Mounts[0] != (llbgen.Mount{Target: "/target", From: "deps"}) || run.Mounts[1] != (llbgen.Mount{Target: "/base", From: "runtime"}) {
		t.Errorf("mounts %+v", run.Mounts)
	}
}

func TestEveryPlanEndsWithAStartCheckOfItsFinalImage(t *testing.T) {
	plan := llbgen.Plan{Stages: []llbgen.Stage{
		{Name: "build", Base: llbgen.Base{Image: "golang:1.26"}, Where: llbgen.OnBuild},
		{Name: "final", Base: llbgen.Base{Image: "gcr.io/distroless/static-debian13:nonroot"}},
	}}
	got := withStartCheck(plan, crossTarget)
	if len(got.Stages) != 4 {
		t.Fatalf("%d stages", len(got.Stages))
	}
	check, explain := got.Stages[2], got.Stages[3]
	if !check.Verify || check.Explains != "" || check.Where != llbgen.OnBuild || check.Base.Image != ToolImage {
		t.Fatalf("check stage %+v", check)
	}
	if m := check.Steps[0].Run.Mounts; len(m) != 1 || m[0].From != "final" {
		t.Errorf("check mounts %+v: want the final image only (no builder to pull when it passes)", m)
	}
	m := explain.Steps[0].Run.Mounts
	if !explain.Verify || explain.Explains != "startcheck" || len(m) != 2 || m[0].From != "final" || m[1].From != "build" || m[1].Source != "/var/lib/dpkg" {
		t.Errorf("explain stage %+v mounts %+v: want the final image and the builder's dpkg database", explain, m)
	}
	if err := llbgen.Validate(got); err != nil {
		t.Error(err)
	}
	// An alpine-based builder has no dpkg database: the check runs without.
	alpine := llbgen.Plan{Stages: []llbgen.Stage{
		{Name: "build", Base: llbgen.Base{Image: "node:22-alpine3.22"}},
		{Name: "final", Base: llbgen.Base{Image: "alpine:3.22"}},
	}}
	if st := withStartCheck(alpine, crossTarget).Stages; len(st) != 3 || len(st[2].Steps[0].Run.Mounts) != 1 {
		t.Errorf("alpine: %d stages, want the check alone", len(st))
	}
}

func TestClosureTreesAreCopiedByTheToolAndTakenByTheImageInOneStep(t *testing.T) {
	st := Closure{Name: "libs", From: "deps", Entries: []string{"/usr/local/bin/node"}, Trees: []string{"/app/node_modules"}}.Stage(crossTarget)
	want := "/bin/slimfront closure --root /target --out /out --records --tree /app/node_modules /usr/local/bin/node"
	if got := strings.Join(st.Steps[0].Run.Argv, " "); got != want {
		t.Errorf("argv\n got %s\nwant %s", got, want)
	}
	cp := CopyClosureTrees("libs", "node_modules")
	if cp.Key != "deps" || cp.Copy == nil || cp.Copy.From != "libs" || cp.Copy.Dest != "/" || !slices.Equal(cp.Copy.Src, []string{ClosureOut + "/"}) {
		t.Errorf("copy step %+v", cp)
	}
}
