package golang

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/presettest"
)

// vendoredApp lists vendor/modules.txt in deps: a vendored build. With
// cgo on arm64 its build stage also installs Debian's cross toolchain.
const vendoredApp = `# syntax=org/slimfront
language   = "go"
entrypoint = "./cmd/server"
deps       = ["go.mod", "vendor/modules.txt"]
preset     = "%s"

[build.env]
GOFLAGS = "-mod=mod"
`

func TestVendoredPlanMatchesGolden(t *testing.T) {
	presettest.Golden(t, "vendored-scratch", h.Plan(t, presettest.WithBase(vendoredApp, "scratch")))
}

// goExecs renders plan to LLB (images unresolved) and returns the exec
// ops of the build stage's go steps: those whose argv runs go or a script
// named cgo-check / go mod download.
func goExecs(t *testing.T, plan llbgen.Plan) []*pb.ExecOp {
	t.Helper()
	res, err := llbgen.Render(context.Background(), plan, llbgen.Options{
		BuildPlatform: amd64, TargetPlatform: arm64, Context: llb.Local("context"), Images: llbgen.UnresolvedImages{}, CacheNS: "t",
	})
	if err != nil {
		t.Fatal(err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(arm64))
	if err != nil {
		t.Fatal(err)
	}
	var out []*pb.ExecOp
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		if e := op.GetExec(); e != nil {
			a := e.Meta.Args
			if a[0] == "go" || (len(a) > 3 && a[0] == "sh" && (a[3] == "cgo-check" || a[3] == "go mod download")) {
				out = append(out, e)
			}
		}
	}
	return out
}

func TestVendoredBuildRunsEveryGoStepWithoutNetwork(t *testing.T) {
	for _, b := range New().Bases() {
		t.Run(b, func(t *testing.T) {
			plan := h.Plan(t, presettest.WithBase(vendoredApp, b))
			execs := goExecs(t, plan)
			if len(execs) != 2 { // cgo-check and go build; no download
				t.Fatalf("want the cgo check and go build only, got %d go steps", len(execs))
			}
			for _, e := range execs {
				args := strings.Join(e.Meta.Args, " ")
				if strings.Contains(args, "go mod download") {
					t.Errorf("a vendored build downloads nothing: %s", args)
				}
				if e.Network != pb.NetMode_NONE {
					t.Errorf("%.60s…: network %v, want NONE", args, e.Network)
				}
				if !slices.Contains(e.Meta.Args, "-mod=vendor") {
					t.Errorf("%.60s…: no -mod=vendor, so GOFLAGS=-mod=mod would make it fetch", args)
				}
				for _, m := range e.Mounts {
					if m.Dest == modCache {
						t.Errorf("%.60s…: mounts the module cache, which a vendored build never reads", args)
					}
				}
			}
		})
	}
	// The cross toolchain still comes from Debian's archive: apt keeps the network.
	cgo := strings.Replace(presettest.WithBase(vendoredApp, "distroless"), `GOFLAGS = "-mod=mod"`, `CGO_ENABLED = "1"`, 1)
	for _, s := range presettest.Stage(t, h.Plan(t, cgo), "build").Steps {
		if s.Run != nil && s.Key == cgoKey && s.Run.Network != llbgen.NetDefault {
			t.Errorf("apt install of the cross toolchain needs the network")
		}
	}
}

// TestModuleBuildKeepsTheNetwork: without vendor/ the go build step may
// have to fetch what an empty module cache mount lacks (the download step
// cached, its mount not), so it keeps the network; the download runs.
func TestModuleBuildKeepsTheNetwork(t *testing.T) {
	execs := goExecs(t, h.Plan(t, presettest.WithBase(routerApp, "scratch")))
	if len(execs) != 3 {
		t.Fatalf("want download, cgo check and go build, got %d go steps", len(execs))
	}
	for _, e := range execs {
		if e.Network != pb.NetMode_UNSET {
			t.Errorf("%.60s…: network %v, want the default", strings.Join(e.Meta.Args, " "), e.Network)
		}
		if slices.Contains(e.Meta.Args, "-mod=vendor") {
			t.Errorf("-mod=vendor without vendor/modules.txt in deps: %q", e.Meta.Args)
		}
	}
}

// With the build context (the frontend's, or slim's directory) the preset
// sees vendor/modules.txt itself: deps need not list it.
func TestVendorModulesTxtInTheContextMakesTheBuildOffline(t *testing.T) {
	src := strings.Replace(presettest.WithBase(vendoredApp, "scratch"), `deps       = ["go.mod", "vendor/modules.txt"]`, `deps       = ["go.mod"]`, 1)
	plan := func(files presets.ContextFiles) llbgen.Plan {
		t.Helper()
		p, err := presets.NewRegistry(New().WithContext(files)).Plan(h.Parse(t, src), presets.Target{Build: amd64, Platform: arm64})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	vendored := presets.DirFiles(presettest.Tree(t, map[string]string{"go.mod": "module x\n", "vendor/modules.txt": "# corp.example.internal/x v1.0.0\n"}))
	for _, e := range goExecs(t, plan(vendored)) {
		if e.Network != pb.NetMode_NONE || !slices.Contains(e.Meta.Args, "-mod=vendor") {
			t.Errorf("vendor/modules.txt in the context: %.60s… network %v", strings.Join(e.Meta.Args, " "), e.Network)
		}
	}
	plain := presets.DirFiles(presettest.Tree(t, map[string]string{"go.mod": "module x\n"}))
	if execs := goExecs(t, plan(plain)); len(execs) != 3 || execs[0].Network != pb.NetMode_UNSET {
		t.Errorf("no vendor/: want the download, cgo check and build with the network, got %d go steps", len(execs))
	}
	broken := func(string) ([]byte, error) { return nil, errors.New("context unreadable") }
	if _, err := presets.NewRegistry(New().WithContext(broken)).Plan(h.Parse(t, src), presets.Target{Build: amd64, Platform: arm64}); err == nil || !strings.Contains(err.Error(), "reading vendor/modules.txt of the build context: context unreadable") {
		t.Errorf("an unreadable context: err = %v", err)
	}
}
