package llbgen

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var update = flag.Bool("update", false, "rewrite golden files")

type fakeImages struct{ asked []string }

func (f *fakeImages) Image(_ context.Context, ref string, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error) {
	f.asked = append(f.asked, ref+"@"+p.Architecture)
	img := &dockerspec.DockerOCIImage{}
	img.Config.Env = []string{"PATH=/usr/bin:/bin", "BASE=1"}
	img.Config.User = "0"
	img.Config.Labels = map[string]string{"base.label": "x"}
	img.History = []ocispecs.History{{CreatedBy: "base layer"}}
	return llb.Image(ref+"@sha256:"+strings.Repeat("a", 64), llb.Platform(p)), img, nil
}

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

func samplePlan() Plan {
	return Plan{
		Stages: []Stage{
			{Name: "build", Base: Base{Image: "builder:1"}, Where: OnBuild, Dir: "/src", Env: []KV{{"CGO", "0"}},
				Steps: []Step{
					{Key: "deps", Copy: &Copy{From: Context, Src: []string{"sub/manifest.lock", "top.lock"}, Dest: "/src/", Parents: true}},
					{Key: "deps", Run: &Run{Argv: []string{"fetch", "deps"}, Caches: []Cache{{Target: "/cache", ID: "deps"}}}},
					{Copy: &Copy{From: Context, Src: []string{"."}, Dest: "/src/"}},
					{Key: "entrypoint", Run: &Run{Argv: []string{"compile", "-o", "/out/app"}, Network: NetNone,
						Secrets: []Secret{{ID: "tok"}}, Caches: []Cache{{Target: "/cache", ID: "deps", Locked: true}}}},
				}},
			{Name: "final", Base: Base{Scratch: true}, Where: OnTarget,
				Steps: []Step{
					{File: &File{Path: "/etc/passwd", Data: []byte("root:x:0:0::/:/x\n"), Mode: 0o644}},
					{Dir: &Dir{Path: "/tmp", Mode: 0o1777}},
					{Copy: &Copy{From: "build", Src: []string{"/out/app"}, Dest: "/app/app", Chown: "0:0"}},
				}},
		},
		Image: ImageConfig{Entrypoint: []string{"/app/app"}, User: "65532:65532", Dir: "/app",
			Env: []KV{{"PORT", "8080"}}, Ports: []string{"8080/tcp"}, Labels: []KV{{"l", "v"}}},
	}
}

func render(t *testing.T, plan Plan, target ocispecs.Platform) (*Result, *llb.Definition, *fakeImages) {
	t.Helper()
	imgs := &fakeImages{}
	epoch := time.Unix(1700000000, 0).UTC()
	res, err := Render(context.Background(), plan, Options{
		BuildPlatform: amd64, TargetPlatform: target,
		Context: llb.Local("context", llb.LocalUniqueID("golden")),
		Images:  imgs, CacheNS: "ns", Epoch: &epoch,
	})
	if err != nil {
		t.Fatal(err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(target))
	if err != nil {
		t.Fatal(err)
	}
	return res, def, imgs
}

func TestRenderMatchesGoldenLLB(t *testing.T) {
	_, def, _ := render(t, samplePlan(), arm64)
	got, err := DumpJSON(def)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "sample.llb.json")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./llbgen -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("LLB differs from %s; run `go test ./llbgen -update` and review the diff", golden)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	_, a, _ := render(t, samplePlan(), arm64)
	_, b, _ := render(t, samplePlan(), arm64)
	ja, _ := DumpJSON(a)
	jb, _ := DumpJSON(b)
	if string(ja) != string(jb) {
		t.Fatal("two renders of the same plan differ")
	}
}

func ops(t *testing.T, def *llb.Definition) []*pb.Op {
	var out []*pb.Op
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		out = append(out, &op)
	}
	return out
}

func TestBuildStagesRunOnTheBuildPlatformAndFinalOnTheTarget(t *testing.T) {
	_, def, imgs := render(t, samplePlan(), arm64)
	if strings.Join(imgs.asked, ",") != "builder:1@amd64" {
		t.Errorf("images resolved: %v, want the builder for amd64 only", imgs.asked)
	}
	var execs int
	for _, op := range ops(t, def) {
		if e := op.GetExec(); e != nil {
			execs++
			if op.Platform.Architecture != "amd64" {
				t.Errorf("exec %v runs on %s, want the build platform", e.Meta.Args, op.Platform.Architecture)
			}
		}
	}
	if execs != 2 {
		t.Errorf("got %d exec ops, want 2", execs)
	}
}

func TestRunStepsGetCacheMountsSecretsAndNetwork(t *testing.T) {
	_, def, _ := render(t, samplePlan(), amd64)
	for _, op := range ops(t, def) {
		e := op.GetExec()
		if e == nil || e.Meta.Args[0] != "compile" {
			continue
		}
		if e.Network != pb.NetMode_NONE {
			t.Error("compile step should have no network")
		}
		var cache, secret bool
		for _, m := range e.Mounts {
			if m.MountType == pb.MountType_CACHE && m.CacheOpt.ID == "ns/deps" && m.CacheOpt.Sharing == pb.CacheSharingOpt_LOCKED {
				cache = true
			}
			if m.MountType == pb.MountType_SECRET && m.SecretOpt.ID == "tok" && m.Dest == "/run/secrets/tok" {
				secret = true
			}
		}
		if !cache || !secret {
			t.Errorf("compile mounts: cache=%v secret=%v", cache, secret)
		}
		return
	}
	t.Fatal("compile step not found")
}

func TestImageConfigMergesOverBaseAndCarriesEpoch(t *testing.T) {
	plan := samplePlan()
	plan.Stages[1].Base = Base{Image: "runtime:1"}
	res, _, _ := render(t, plan, arm64)
	c := res.Image.Config
	if c.User != "65532:65532" || c.WorkingDir != "/app" || c.Entrypoint[0] != "/app/app" {
		t.Errorf("config: %+v", c)
	}
	env := strings.Join(c.Env, " ")
	if !strings.Contains(env, "BASE=1") || !strings.Contains(env, "PORT=8080") {
		t.Errorf("env %q should keep base entries and add ours", env)
	}
	if c.Labels["base.label"] != "x" || c.Labels["l"] != "v" {
		t.Errorf("labels %v", c.Labels)
	}
	if res.Image.Architecture != "arm64" || res.Image.Created == nil || res.Image.Created.Unix() != 1700000000 {
		t.Errorf("platform/created: %s %v", res.Image.Architecture, res.Image.Created)
	}
	if n := len(res.Image.History); n != 3 {
		t.Errorf("history has %d entries, want base 1 + 2 ops (files merged, copy)", n)
	}
	if res.BaseImage.Config.Labels["l"] != "" {
		t.Error("base image config was mutated")
	}
}

func TestScratchFinalGetsDefaultPath(t *testing.T) {
	res, _, _ := render(t, samplePlan(), amd64)
	if len(res.Image.Config.Env) == 0 || !strings.HasPrefix(res.Image.Config.Env[0], "PATH=") {
		t.Errorf("env %v", res.Image.Config.Env)
	}
	b, _ := json.Marshal(res.Image)
	if strings.Contains(string(b), "BASE=1") {
		t.Error("scratch image inherited builder env")
	}
}

func TestValidateRejectsBrokenPlans(t *testing.T) {
	cases := map[string]Plan{
		"no stages":             {},
		"unknown base stage":    {Stages: []Stage{{Name: "a", Base: Base{Stage: "b"}}}},
		"two bases":             {Stages: []Stage{{Name: "a", Base: Base{Scratch: true, Image: "x"}}}},
		"duplicate stage":       {Stages: []Stage{{Name: "a", Base: Base{Scratch: true}}, {Name: "a", Base: Base{Scratch: true}}}},
		"copy from later stage": {Stages: []Stage{{Name: "a", Base: Base{Scratch: true}, Steps: []Step{{Copy: &Copy{From: "b", Src: []string{"x"}, Dest: "/"}}}}, {Name: "b", Base: Base{Scratch: true}}}},
		"empty run":             {Stages: []Stage{{Name: "a", Base: Base{Scratch: true}, Steps: []Step{{Run: &Run{}}}}}},
		"step with two actions": {Stages: []Stage{{Name: "a", Base: Base{Scratch: true}, Steps: []Step{{Run: &Run{Argv: []string{"x"}}, Dir: &Dir{Path: "/x"}}}}}},
	}
	for name, p := range cases {
		if err := Validate(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := Validate(samplePlan()); err != nil {
		t.Errorf("sample plan: %v", err)
	}
}

// verifyPlan is samplePlan plus a start-check stage on the build platform
// that mounts the final image read-only.
func verifyPlan() Plan {
	p := samplePlan()
	p.Stages = append(p.Stages, Stage{Name: "startcheck", Base: Base{Image: "tool:1"}, Where: OnBuild, Verify: true,
		Steps: []Step{{Run: &Run{Argv: []string{"/bin/check", "/image"}, Network: NetNone,
			Mounts: []Mount{{Target: "/image", From: "final"}, {Target: "/dpkg", From: "build", Source: "/var/lib/dpkg"}}}}}})
	return p
}

func TestVerifyStagesCheckTheImageWithoutBecomingIt(t *testing.T) {
	res, def, _ := render(t, verifyPlan(), arm64)
	plainRes, plain, _ := render(t, samplePlan(), arm64)
	a, _ := DumpJSON(def)
	b, _ := DumpJSON(plain)
	if string(a) != string(b) {
		t.Fatal("a verify stage changed the image's LLB")
	}
	ha, _ := json.Marshal(res.Image)
	hb, _ := json.Marshal(plainRes.Image)
	if string(ha) != string(hb) {
		t.Fatalf("a verify stage changed the image config (history must describe the image's own layers):\n%s\nvs\n%s", ha, hb)
	}
	if len(res.Verify) != 1 || res.Verify[0].Name != "startcheck" || res.Verify[0].Explain != nil {
		t.Fatalf("verify %+v, want the start check without an explaining stage", res.Verify)
	}
	if _, ok := res.Stages["startcheck"]; ok {
		t.Error("the verify stage is listed among the build stages")
	}
	if _, ok := res.Stages["final"]; ok {
		t.Error("the final stage is listed among the build stages")
	}
	vdef, err := res.Verify[0].State.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var mounts []string
	for _, op := range ops(t, vdef) {
		if e := op.GetExec(); e != nil && e.Meta.Args[0] == "/bin/check" {
			if op.Platform.Architecture != "amd64" {
				t.Errorf("check runs on %s, want the build platform", op.Platform.Architecture)
			}
			for _, m := range e.Mounts {
				if m.Dest != "/" {
					if !m.Readonly {
						t.Errorf("mount %s is writable", m.Dest)
					}
					mounts = append(mounts, m.Dest+":"+m.Selector)
				}
			}
		}
	}
	if strings.Join(mounts, " ") != "/dpkg:/var/lib/dpkg /image:" {
		t.Errorf("mounts = %v", mounts)
	}
}

func TestValidateKeepsVerifyStagesOutOfTheImage(t *testing.T) {
	p := verifyPlan()
	p.Stages = append(p.Stages, Stage{Name: "after", Base: Base{Scratch: true},
		Steps: []Step{{Copy: &Copy{From: "startcheck", Src: []string{"/x"}, Dest: "/x"}}}})
	if err := Validate(p); err == nil || !strings.Contains(err.Error(), "verify stage") {
		t.Errorf("copy from a verify stage: %v", err)
	}
	only := Plan{Stages: []Stage{{Name: "v", Base: Base{Scratch: true}, Verify: true}}}
	if err := Validate(only); err == nil {
		t.Error("a plan of verify stages only has no image")
	}
	bad := verifyPlan()
	bad.Stages[2].Steps[0].Run.Mounts[0].From = "nope"
	if err := Validate(bad); err == nil || !strings.Contains(err.Error(), `mount of unknown stage "nope"`) {
		t.Errorf("mount of an unknown stage: %v", err)
	}
	if err := Validate(verifyPlan()); err != nil {
		t.Error(err)
	}
}

func TestHealthcheckGoesIntoTheImageConfigInExecForm(t *testing.T) {
	plan := samplePlan()
	plan.Image.Healthcheck = &Healthcheck{Argv: []string{"/probe", "/healthz"}, Interval: 10 * time.Second, Timeout: 2 * time.Second, StartPeriod: time.Minute, Retries: 4}
	res, _, _ := render(t, plan, amd64)
	h := res.Image.Config.Healthcheck
	if h == nil {
		t.Fatal("no Healthcheck in the image config")
	}
	if strings.Join(h.Test, " ") != "CMD /probe /healthz" || h.Interval != 10*time.Second || h.Timeout != 2*time.Second || h.StartPeriod != time.Minute || h.Retries != 4 {
		t.Errorf("healthcheck %+v", h)
	}
	if got := Format(plan); !strings.Contains(got, `HEALTHCHECK --interval=10s --timeout=2s --start-period=1m0s --retries=4 CMD ["/probe" "/healthz"]`) {
		t.Errorf("Format:\n%s", got)
	}
	res, _, _ = render(t, samplePlan(), amd64)
	if res.Image.Config.Healthcheck != nil {
		t.Errorf("a plan without a health check got %+v", res.Image.Config.Healthcheck)
	}
	plan.Image.Healthcheck = &Healthcheck{}
	if err := Validate(plan); err == nil || !strings.Contains(err.Error(), "health check has an empty argv") {
		t.Errorf("Validate of an empty health check: %v", err)
	}
}

func TestAnExplainingStageIsAttachedToTheCheckItExplains(t *testing.T) {
	p := verifyPlan()
	p.Stages = append(p.Stages, Stage{Name: "explain", Base: Base{Image: "tool:1"}, Where: OnBuild, Verify: true, Explains: "startcheck",
		Steps: []Step{{Run: &Run{Argv: []string{"/bin/check", "--why"}}}}})
	res, _, _ := render(t, p, arm64)
	if len(res.Verify) != 1 || res.Verify[0].Explain == nil {
		t.Fatalf("verify %+v: want one check with its explanation", res.Verify)
	}
	bad := verifyPlan()
	bad.Stages = append(bad.Stages, Stage{Name: "x", Base: Base{Scratch: true}, Verify: true, Explains: "final"})
	if err := Validate(bad); err == nil || !strings.Contains(err.Error(), "explains") {
		t.Errorf("explaining a non-verify stage: %v", err)
	}
}
