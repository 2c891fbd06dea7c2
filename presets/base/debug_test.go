package base

import (
	"reflect"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
)

func debugInput() llbgen.Plan {
	return llbgen.Plan{
		Stages: []llbgen.Stage{
			{Name: "build", Base: llbgen.Base{Image: "golang:1.26"}, Where: llbgen.OnBuild},
			{Name: "final", Base: llbgen.Base{Scratch: true}, Reason: "scratch",
				Steps: []llbgen.Step{{Copy: &llbgen.Copy{From: "build", Src: []string{"/out/app"}, Dest: "/app/app"}}}},
			{Name: "startcheck", Base: llbgen.Base{Image: "tool"}, Where: llbgen.OnBuild, Verify: true},
		},
		Image: llbgen.ImageConfig{Entrypoint: []string{"/app/app"}, User: "65532:65532",
			Env: []llbgen.KV{{Key: "PORT", Value: "8080"}}, Labels: []llbgen.KV{{Key: "l", Value: "v"}}},
	}
}

func TestDebugAddsBusyboxToTheImageStageOnly(t *testing.T) {
	in := debugInput()
	out := Debug(in)
	if !reflect.DeepEqual(in, debugInput()) {
		t.Fatal("Debug modified its input plan")
	}
	final := out.Stages[1]
	if len(final.Steps) != 2 || !reflect.DeepEqual(final.Steps[0], CopyBusybox()) {
		t.Errorf("final steps %+v: want the busybox copy first, then the app", final.Steps)
	}
	if final.Reason != "scratch (DEBUG BUILD, SLIM_DEBUG=1: plus a busybox shell at /busybox/sh)" {
		t.Errorf("reason %q", final.Reason)
	}
	if len(out.Stages[2].Steps) != 0 || len(out.Stages[0].Steps) != 0 {
		t.Error("Debug touched a stage other than the image's")
	}
	wantEnv := []llbgen.KV{{Key: "PORT", Value: "8080"}, {Key: "PATH", Value: DefaultPath + ":/busybox"}}
	if !reflect.DeepEqual(out.Image.Env, wantEnv) {
		t.Errorf("env %v, want %v", out.Image.Env, wantEnv)
	}
	if out.Image.User != "65532:65532" || !reflect.DeepEqual(out.Image.Labels[1], llbgen.KV{Key: DebugLabel, Value: "true"}) {
		t.Errorf("user %q labels %v", out.Image.User, out.Image.Labels)
	}
}

func TestDebugExtendsThePlansOwnPath(t *testing.T) {
	in := debugInput()
	in.Image.Env = append(in.Image.Env, llbgen.KV{Key: "PATH", Value: "/venv/bin:/usr/bin"})
	out := Debug(in)
	if got := out.Image.Env[1].Value; got != "/venv/bin:/usr/bin:/busybox" || len(out.Image.Env) != 2 {
		t.Errorf("env %v", out.Image.Env)
	}
	if in.Image.Env[1].Value != "/venv/bin:/usr/bin" {
		t.Error("Debug modified the input's env")
	}
}
