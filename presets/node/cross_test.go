package node

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"slices"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/presettest"
)

// crossPlan plans src for linux/arm64 on a linux/amd64 build platform.
func crossPlan(t *testing.T, src string) llbgen.Plan {
	t.Helper()
	plan, err := New().Plan(h.Parse(t, src), presets.Target{Build: presettest.Amd64, Platform: presettest.Arm64})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestCrossPlanRunsBuildersOnTheBuildPlatform: for linux/arm64 on amd64 no
// builder stage runs on the target (nothing arm64 can run without
// emulation); the production install is told the target; node and the
// trees the closure reads come from the target's image, as data.
func TestCrossPlanRunsBuildersOnTheBuildPlatform(t *testing.T) {
	for _, b := range New().Bases() {
		t.Run(b, func(t *testing.T) {
			plan := crossPlan(t, presettest.WithBase(expressApp, b))
			for _, s := range plan.Stages {
				hasRun := slices.ContainsFunc(s.Steps, func(st llbgen.Step) bool { return st.Run != nil })
				if hasRun && s.Where == llbgen.OnTarget {
					t.Errorf("stage %s runs a program on the target platform", s.Name)
				}
			}
			deps := presettest.Stage(t, plan, "deps")
			want := map[string]string{"SLIM_TARGET_OS": "linux", "SLIM_TARGET_CPU": "arm64", "SLIM_TARGET_LIBC": "glibc", "SLIM_TARGET_ARCH": "arm64"}
			if b == "alpine" {
				want["SLIM_TARGET_LIBC"] = "musl"
			}
			for _, kv := range deps.Env {
				if v, ok := want[kv.Key]; ok && v == kv.Value {
					delete(want, kv.Key)
				}
			}
			if len(want) > 0 {
				t.Errorf("deps stage env lacks %v: %v", want, deps.Env)
			}
			tgt := presettest.Stage(t, plan, targetStage)
			if tgt.Where != llbgen.OnTarget || tgt.Base.Image != "node:22-trixie" && b != "alpine" {
				t.Errorf("target stage = %+v, want node's builder image on the target", tgt)
			}
			libs := presettest.Stage(t, plan, "libs")
			if !slices.ContainsFunc(libs.Steps[0].Run.Mounts, func(m llbgen.Mount) bool { return m.Target == "/target" && m.From == targetStage }) {
				t.Errorf("the closure does not read the target stage: %+v", libs.Steps[0].Run.Mounts)
			}
			for _, st := range presettest.Final(t, plan).Steps {
				if c := st.Copy; c != nil && slices.Contains(c.Src, "/usr/local/bin/node") && c.From != targetStage {
					t.Errorf("the final image's node comes from %s, want %s", c.From, targetStage)
				}
			}
		})
	}
}

// TestNativePlanUnchanged: amd64 on amd64 keeps its builders on the target
// (the same plan as before cross builds existed: no target stage).
func TestNativePlanUnchanged(t *testing.T) {
	plan := h.Plan(t, presettest.WithBase(expressApp, "scratch"))
	for _, s := range plan.Stages {
		if s.Name == targetStage {
			t.Errorf("native plan has a %s stage", targetStage)
		}
		if s.Where == llbgen.OnBuild && s.Name != "libs" && !s.Verify {
			t.Errorf("native plan: stage %s on the build platform", s.Name)
		}
	}
}

func TestCrossScratchGolden(t *testing.T) {
	presettest.Golden(t, "cross-arm64-scratch", crossPlan(t, presettest.WithBase(expressApp, "scratch")))
}

func TestCrossTargetOnlyForAnotherCPU(t *testing.T) {
	p := func(s string) ocispecs.Platform { return platforms.MustParse(s) }
	for _, c := range []struct {
		build, target string
		cross         bool
	}{
		{"linux/amd64", "linux/amd64", false},
		{"linux/amd64", "linux/amd64/v3", false},
		{"linux/amd64", "linux/arm64", true},
		{"linux/arm64", "linux/amd64", true},
		{"linux/arm64", "linux/arm64/v8", false},
		{"linux/arm/v7", "linux/arm/v6", true},
	} {
		if got, _ := crossTarget(presets.Target{Build: p(c.build), Platform: p(c.target)}, false); got != c.cross {
			t.Errorf("build %s, target %s: cross = %v, want %v", c.build, c.target, got, c.cross)
		}
	}
	if got, _ := crossTarget(presets.Target{Platform: p("linux/arm64")}, false); got {
		t.Error("an unknown build platform is planned as cross")
	}
	if got, _ := crossTarget(presets.Target{Build: p("linux/amd64"), Platform: ocispecs.Platform{OS: "$TARGETOS", Architecture: "$TARGETARCH"}}, false); got {
		t.Error("a placeholder target is planned as cross")
	}
}

// TestCrossPlanCompilesAddonsForGlibcTargets: a glibc cross build
// (distroless, scratch) installs Debian's cross g++ for the target in its
// own stage from the toolchain (in parallel with the install), compiles
// the addons without a prebuild in the addons stage at the deps line, and
// the target stage takes the trees from it; alpine (musl) plans no
// compile. An amd64 target from an arm64 build platform gets the x86-64
// toolchain.
func TestCrossPlanCompilesAddonsForGlibcTargets(t *testing.T) {
	for _, c := range []struct {
		base, build, target string
		pkg, cxx, cpu       string
	}{
		{"scratch", "linux/amd64", "linux/arm64", "g++-aarch64-linux-gnu", "aarch64-linux-gnu-g++", "arm64"},
		{"distroless", "linux/amd64", "linux/arm64", "g++-aarch64-linux-gnu", "aarch64-linux-gnu-g++", "arm64"},
		{"distroless", "linux/arm64", "linux/amd64", "g++-x86-64-linux-gnu", "x86_64-linux-gnu-g++", "x64"},
		{"alpine", "linux/amd64", "linux/arm64", "", "", ""},
	} {
		t.Run(c.base+"-"+c.target, func(t *testing.T) {
			plan, err := New().Plan(h.Parse(t, presettest.WithBase(expressApp, c.base)), presets.Target{Build: platforms.MustParse(c.build), Platform: platforms.MustParse(c.target)})
			if err != nil {
				t.Fatal(err)
			}
			has := func(name string) bool {
				return slices.ContainsFunc(plan.Stages, func(s llbgen.Stage) bool { return s.Name == name })
			}
			tgt := presettest.Stage(t, plan, targetStage)
			if c.pkg == "" {
				if has(addonsStage) || tgt.Steps[0].Copy.From != "deps" {
					t.Errorf("musl target: plans a cross compile, or the target stage copies from %s", tgt.Steps[0].Copy.From)
				}
				return
			}
			ad := presettest.Stage(t, plan, addonsStage)
			if ad.Base.Stage != "toolchain" || ad.Where != llbgen.OnBuild || ad.Steps[0].Copy.From != "deps" {
				t.Errorf("addons = %+v, want deps' trees over the toolchain on the build platform", ad)
			}
			if !strings.Contains(envValue(ad.Env, "SLIM_CROSS_APT"), c.pkg) || len(ad.Steps[1].Run.Caches) != 2 {
				t.Errorf("addons: SLIM_CROSS_APT = %q, caches %+v; want %s installed by the compile step when needed, with apt's caches", envValue(ad.Env, "SLIM_CROSS_APT"), ad.Steps[1].Run.Caches, c.pkg)
			}
			if run := ad.Steps[1]; run.Key != "deps" || !slices.Equal(run.Run.Argv, []string{installWrapper, "compile"}) {
				t.Errorf("addons compile step = %+v, want install compile at the deps line", run)
			}
			for k, v := range map[string]string{"CXX": c.cxx, "LINK": c.cxx, "SLIM_CROSS_CXX": c.cxx, "SLIM_TARGET_CPU": c.cpu, "CC_host": "gcc", "npm_config_node_gyp": nodeGyp} {
				if got := envValue(ad.Env, k); got != v {
					t.Errorf("addons env %s = %q, want %q", k, got, v)
				}
			}
			if got := envValue(presettest.Stage(t, plan, "deps").Env, "SLIM_CROSS_CXX"); got != c.cxx {
				t.Errorf("deps env SLIM_CROSS_CXX = %q, want %q (checkTarget leaves node-gyp packages to the addons stage)", got, c.cxx)
			}
			if tgt.Steps[0].Copy.From != addonsStage {
				t.Errorf("the target stage copies the trees from %s, want %s", tgt.Steps[0].Copy.From, addonsStage)
			}
		})
	}
}

func TestCrossDistrolessGolden(t *testing.T) {
	presettest.Golden(t, "cross-arm64-distroless", crossPlan(t, presettest.WithBase(expressApp, "distroless")))
}

// TestCrossPlanWithoutAddonsHasNoCompiler: a glibc cross plan leaves out
// the cross compiler only when the npm lockfile (v2/v3) shows that no
// dependency can build an addon: no "hasInstallScript", every package from
// a registry URL. Otherwise (an install script, a file: package, a Yarn
// lockfile, no context files, an unreadable lockfile) it keeps it.
func TestCrossPlanWithoutAddonsHasNoCompiler(t *testing.T) {
	const (
		plain   = `{"lockfileVersion":3,"packages":{"":{"name":"a"},"node_modules/ms":{"version":"2.1.3","resolved":"https://registry.npmjs.org/ms/-/ms-2.1.3.tgz"},"packages/w":{"name":"w"},"node_modules/w":{"resolved":"packages/w","link":true}}}`
		script  = `{"lockfileVersion":3,"packages":{"":{"name":"a"},"node_modules/b":{"resolved":"https://registry.npmjs.org/b/-/b-1.0.0.tgz","hasInstallScript":true}}}`
		fileDep = `{"lockfileVersion":3,"packages":{"":{"name":"a"},"node_modules/b":{"resolved":"file:b-1.0.0.tgz"}}}`
		v1      = `{"lockfileVersion":1,"dependencies":{}}`
	)
	for _, c := range []struct {
		name     string
		files    map[string]string
		compiler bool
	}{
		{"registry packages without install scripts", map[string]string{"package-lock.json": plain}, false},
		{"an install script", map[string]string{"package-lock.json": script}, true},
		{"a file: package", map[string]string{"package-lock.json": fileDep}, true},
		{"lockfile v1", map[string]string{"package-lock.json": v1}, true},
		{"no lockfile in the context", map[string]string{}, true},
		{"no context files", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := New()
			if c.files != nil {
				files := c.files
				p = New().WithContext(func(name string) ([]byte, error) {
					if d, ok := files[name]; ok {
						return []byte(d), nil
					}
					return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
				}).(Preset)
			}
			plan, err := p.Plan(h.Parse(t, fmt.Sprintf(helloApp, "package-lock.json", "scratch")), presets.Target{Build: presettest.Amd64, Platform: presettest.Arm64})
			if err != nil {
				t.Fatal(err)
			}
			has := slices.ContainsFunc(plan.Stages, func(s llbgen.Stage) bool { return s.Name == addonsStage })
			deps := presettest.Stage(t, plan, "deps")
			if has != c.compiler || (envValue(deps.Env, "SLIM_CROSS_CXX") != "") != c.compiler || (envValue(deps.Env, "SLIM_CROSS_NONE") == "") != c.compiler {
				t.Errorf("addons stage %v, deps env %v; want a compiler: %v", has, deps.Env, c.compiler)
			}
			if !c.compiler && presettest.Stage(t, plan, targetStage).Steps[0].Copy.From != "deps" {
				t.Errorf("without a compiler the target stage copies from %s, want deps", presettest.Stage(t, plan, targetStage).Steps[0].Copy.From)
			}
		})
	}
}
