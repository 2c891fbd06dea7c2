package presets_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
	"github.com/slimfront/slimfront/presets/base"
)

// apps are one descriptor per language, with a port and no health check.
var apps = map[string]string{
	"go":     goApp + "port = 8080\n",
	"python": "language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"requirements.txt\"]\nport = 8080\n",
	"node":   "language = \"node\"\nentrypoint = \"server.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\nport = 8080\n",
}

func load(t *testing.T, src string, buildArgs map[string]string, targets ...ocispecs.Platform) *presets.Loaded {
	t.Helper()
	l, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(src), Build: amd64, Targets: targets, BuildArgs: buildArgs})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// copies returns the final stage's copy steps from stage (or image) from.
func copies(p llbgen.Plan, from string) []llbgen.Copy {
	var out []llbgen.Copy
	for _, s := range p.Final().Steps {
		if s.Copy != nil && s.Copy.From == from {
			out = append(out, *s.Copy)
		}
	}
	return out
}

// TestHealthcheckProbeOnEveryLanguageAndBase: the same probe, from the
// frontend image's file for the target, at the same path, with the same
// exec-form health check, whatever the language and base.
func TestHealthcheckProbeOnEveryLanguageAndBase(t *testing.T) {
	for lang, src := range apps {
		for _, b := range []string{"scratch", "distroless"} {
			for _, target := range []ocispecs.Platform{amd64, arm64} {
				name := lang + "/" + b + "/" + target.Architecture
				l := load(t, src+"preset = \""+b+"\"\n[run.healthcheck]\npath = \"/healthz\"\ninterval = \"10s\"\nretries = 2\n", nil, target)
				p := l.Plans[0]
				want := &llbgen.Healthcheck{Argv: []string{presets.ProbePath, "/healthz"}, Interval: 10 * time.Second, Retries: 2}
				if !reflect.DeepEqual(p.Image.Healthcheck, want) {
					t.Errorf("%s: health check %+v, want %+v", name, p.Image.Healthcheck, want)
				}
				i := slices.IndexFunc(p.Stages, func(s llbgen.Stage) bool { return s.Name == "slim-probe" })
				if i < 0 || p.Stages[i].Base.Image != presets.ToolImage || p.Stages[i].Where != llbgen.OnBuild {
					t.Fatalf("%s: no build-platform stage of the tool image for the probe:\n%s", name, llbgen.Format(p))
				}
				cs := copies(p, "slim-probe")
				wantSrc := "/usr/libexec/slimfront/linux/" + target.Architecture + "/slim-probe"
				if len(cs) != 1 || cs[0].Src[0] != wantSrc || cs[0].Dest != presets.ProbePath || cs[0].Mode != 0o755 {
					t.Errorf("%s: probe copies %+v, want one of %s to %s, mode 0755", name, cs, wantSrc, presets.ProbePath)
				}
				if err := llbgen.Validate(p); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if !strings.Contains(llbgen.Format(p), `HEALTHCHECK --interval=10s --retries=2 CMD ["/usr/local/bin/slim-probe" "/healthz"]`) {
					t.Errorf("%s: slim plan does not show the health check:\n%s", name, llbgen.Format(p))
				}
			}
		}
	}
}

func TestHealthcheckArgvNeedsNoProbe(t *testing.T) {
	l := load(t, apps["go"]+"[run]\nhealthcheck = [\"/app/server\", \"-health\"]\n", nil)
	p := l.Plans[0]
	if h := p.Image.Healthcheck; h == nil || !reflect.DeepEqual(h.Argv, []string{"/app/server", "-health"}) {
		t.Fatalf("health check %+v", h)
	}
	if slices.ContainsFunc(p.Stages, func(s llbgen.Stage) bool { return s.Name == "slim-probe" }) {
		t.Errorf("an argv health check must not add the probe:\n%s", llbgen.Format(p))
	}
}

func TestNoHealthcheckNoProbe(t *testing.T) {
	p := load(t, apps["node"], nil).Plans[0]
	if p.Image.Healthcheck != nil || strings.Contains(llbgen.Format(p), "slim-probe") {
		t.Errorf("a descriptor without healthcheck got one:\n%s", llbgen.Format(p))
	}
}

// TestHealthcheckProbeForAnUnsupportedTarget: the frontend image has probes
// for amd64 and arm64 only; another target is an error at the key.
func TestHealthcheckProbeForAnUnsupportedTarget(t *testing.T) {
	src := apps["go"] + "[run]\nhealthcheck = \"/healthz\"\n"
	_, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(src), Build: amd64,
		Targets: []ocispecs.Platform{{OS: "linux", Architecture: "arm", Variant: "v7"}}})
	var de *descriptor.Error
	if !errors.As(err, &de) {
		t.Fatalf("err %T %v is not a *descriptor.Error", err, err)
	}
	want := `slim.toml:6:1: run.healthcheck: the health-check probe is built for linux/amd64 and linux/arm64, not linux/arm/v7; use an argv health check for this platform`
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
}

func TestHealthcheckPortableDockerfileKeepsPlaceholders(t *testing.T) {
	target := ocispecs.Platform{OS: "$TARGETOS", Architecture: "$TARGETARCH"}
	p := load(t, apps["python"]+"[run]\nhealthcheck = \"/healthz\"\n", nil, target).Plans[0]
	cs := copies(p, "slim-probe")
	if len(cs) != 1 || cs[0].Src[0] != "/usr/libexec/slimfront/$TARGETOS/$TARGETARCH/slim-probe" {
		t.Errorf("probe copies %+v", cs)
	}
}

func TestDebugVariant(t *testing.T) {
	for lang, src := range apps {
		for _, b := range []string{"scratch", "distroless", "alpine"} {
			name := lang + "/" + b
			s := src + "preset = \"" + b + "\"\n"
			normal := load(t, s, nil).Plans[0]
			off := load(t, s, map[string]string{"SLIM_DEBUG": "0"}).Plans[0]
			if !reflect.DeepEqual(normal, off) {
				t.Errorf("%s: SLIM_DEBUG=0 changed the plan", name)
			}
			debug := load(t, s, map[string]string{"SLIM_DEBUG": "1"}).Plans[0]
			if normal.Image.User != debug.Image.User || !reflect.DeepEqual(normal.Image.Entrypoint, debug.Image.Entrypoint) {
				t.Errorf("%s: debug build changed user or entrypoint: %+v", name, debug.Image)
			}
			bb := copies(debug, "image:"+base.DebugImage)
			if len(bb) != 1 || bb[0].Src[0] != "/busybox/" || bb[0].Dest != "/busybox/" {
				t.Errorf("%s: busybox copies %+v", name, bb)
			}
			if len(copies(normal, "image:"+base.DebugImage)) != 0 || strings.Contains(llbgen.Format(normal), "busybox") {
				t.Errorf("%s: the normal build has busybox", name)
			}
			f := llbgen.Format(debug)
			for _, want := range []string{`dev.slimfront.debug="true"`, "DEBUG BUILD", ":/busybox\""} {
				if !strings.Contains(f, want) {
					t.Errorf("%s: debug plan lacks %q:\n%s", name, want, f)
				}
			}
			if last := debug.Stages[len(debug.Stages)-1]; !last.Verify || len(debug.Stages) != len(normal.Stages) {
				t.Errorf("%s: the debug plan must keep its stages, start check last", name)
			}
		}
	}
}

func TestDebugBuildArgValues(t *testing.T) {
	for _, v := range []string{"1", "true", "TRUE"} {
		if p := load(t, apps["go"], map[string]string{"SLIM_DEBUG": v}).Plans[0]; !strings.Contains(llbgen.Format(p), "busybox") {
			t.Errorf("SLIM_DEBUG=%s is not a debug build", v)
		}
	}
	_, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(apps["go"]), Build: amd64, BuildArgs: map[string]string{"SLIM_DEBUG": "yes please"}})
	want := "build arg SLIM_DEBUG=yes please: use 1 (or true) for the debug image with a busybox shell at /busybox, 0 (or false, or nothing) for the normal one"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if err := presets.KnownBuildArg("SLIM_DEBUG"); err != nil {
		t.Error(err)
	}
}
