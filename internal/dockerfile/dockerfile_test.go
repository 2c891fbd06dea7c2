package dockerfile

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestRenderedDockerfilesMatchGolden(t *testing.T) {
	reg := all.Registry()
	for _, preset := range []string{"scratch", "distroless", "alpine"} {
		t.Run(preset, func(t *testing.T) {
			src, err := os.ReadFile("../../examples/go-router/slim.toml")
			if err != nil {
				t.Fatal(err)
			}
			target := ocispecs.Platform{OS: PortableOS, Architecture: PortableArch}
			loaded, err := reg.Load(presets.Request{File: "slim.toml", Source: src,
				BuildArgs: map[string]string{presets.BuildArgFor("preset"): preset},
				Build:     ocispecs.Platform{OS: "linux", Architecture: "amd64"}, Targets: []ocispecs.Platform{target}})
			if err != nil {
				t.Fatal(err)
			}
			plan := loaded.Plans[0]
			got, err := Render(plan, Options{Source: "slim.toml", Portable: true})
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "go-router-"+preset+".Dockerfile")
			if *update {
				os.MkdirAll("testdata", 0o755)
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, _ := os.ReadFile(golden)
			if got != string(want) {
				t.Errorf("differs from %s (go test ./internal/dockerfile -update):\n%s", golden, got)
			}
		})
	}
}

func TestFilesWithoutTrailingNewlineAreRefused(t *testing.T) {
	plan := llbgen.Plan{Stages: []llbgen.Stage{
		{Name: "b", Base: llbgen.Base{Image: "img:1"}},
		{Name: "f", Base: llbgen.Base{Scratch: true}, Steps: []llbgen.Step{{File: &llbgen.File{Path: "/x", Data: []byte("no newline"), Mode: 0o644}}}},
	}}
	if _, err := Render(plan, Options{}); err == nil || !strings.Contains(err.Error(), "/x") {
		t.Fatalf("err = %v", err)
	}
}

func TestScratchOnlyPlansCannotWriteFiles(t *testing.T) {
	plan := llbgen.Plan{Stages: []llbgen.Stage{
		{Name: "f", Base: llbgen.Base{Scratch: true}, Steps: []llbgen.Step{{Dir: &llbgen.Dir{Path: "/tmp", Mode: 0o1777}}}},
	}}
	if _, err := Render(plan, Options{}); err == nil {
		t.Fatal("want an error: no image with a shell to prepare files")
	}
}

func TestVerifyStagesFollowTheImageAndTheImageStaysTheDefaultTarget(t *testing.T) {
	plan := llbgen.Plan{
		Stages: []llbgen.Stage{
			{Name: "build", Base: llbgen.Base{Image: "debian:13-slim"}, Where: llbgen.OnBuild,
				Steps: []llbgen.Step{{Run: &llbgen.Run{Argv: []string{"make"}}}}},
			{Name: "final", Base: llbgen.Base{Scratch: true},
				Steps: []llbgen.Step{{Copy: &llbgen.Copy{From: "build", Src: []string{"/out/app"}, Dest: "/app"}}}},
			{Name: "startcheck", Base: llbgen.Base{Image: "org/slimfront"}, Where: llbgen.OnBuild, Verify: true,
				Steps: []llbgen.Step{{Run: &llbgen.Run{Argv: []string{"/bin/slimfront", "startcheck"},
					Mounts: []llbgen.Mount{{Target: "/image", From: "final"}, {Target: "/dpkg", From: "build", Source: "/var/lib/dpkg"}}}}}},
		},
		Image: llbgen.ImageConfig{Entrypoint: []string{"/app"}, User: "65532"},
	}
	got, err := Render(plan, Options{Source: "slim.toml", Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--mount=type=bind,from=final,target=/image",
		"--mount=type=bind,from=build,source=/var/lib/dpkg,target=/dpkg",
		"--target startcheck",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	entry := strings.Index(got, "ENTRYPOINT")
	check := strings.Index(got, "AS startcheck")
	if entry < 0 || check < 0 || entry > check {
		t.Errorf("the image config must close the final stage, before the check:\n%s", got)
	}
	if !strings.HasSuffix(strings.TrimSpace(got), "FROM final") {
		t.Errorf("the last stage (the default target) must be the image:\n%s", got)
	}
}

func TestHealthcheckRendersInExecFormWithItsTiming(t *testing.T) {
	reg := all.Registry()
	src := "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\nport = 8080\n[run.healthcheck]\npath = \"/healthz\"\ninterval = \"15s\"\nretries = 2\n"
	loaded, err := reg.Load(presets.Request{File: "slim.toml", Source: []byte(src),
		Build:   ocispecs.Platform{OS: "linux", Architecture: "amd64"},
		Targets: []ocispecs.Platform{{OS: PortableOS, Architecture: PortableArch}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(loaded.Plans[0], Options{Source: "slim.toml", Portable: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"FROM --platform=$BUILDPLATFORM docker.io/org/slimfront:latest AS slim-probe\n",
		`COPY --from=slim-probe --chmod=755 ["/usr/libexec/slimfront/$TARGETOS/$TARGETARCH/slim-probe","/usr/local/bin/slim-probe"]`,
		`HEALTHCHECK --interval=15s --retries=2 CMD ["/usr/local/bin/slim-probe","/healthz"]`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if h, e := strings.Index(got, "HEALTHCHECK"), strings.Index(got, "ENTRYPOINT"); h < 0 || h > e {
		t.Errorf("HEALTHCHECK belongs to the image config, before ENTRYPOINT:\n%s", got)
	}
}
