package python

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfront/slimfront/internal/elfdeps"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/presettest"
)

// arm64 plans for linux/arm64 on a linux/amd64 build platform, as
// `--platform linux/arm64` does on this machine.
var arm64 = presettest.Harness{Language: "python", Preset: New(), Target: presets.Target{Build: presettest.Amd64, Platform: presettest.Arm64}}

// crossKinds are descriptors of every kind of dependency file the cross
// install rewrites, with a [build] script and a project stage among them.
var crossKinds = map[string]string{
	"flask": apps["flask"], "django": apps["django"], "poetry": apps["poetry"], "uv": apps["uv"],
	"pyproject": `language   = "python"
entrypoint = "app.py"
deps       = ["pyproject.toml"]
preset     = "%s"
`,
	"pdm": `language   = "python"
entrypoint = "app.py"
deps       = ["pyproject.toml", "pdm.lock"]
preset     = "%s"
`,
	"pipenv": `language   = "python"
entrypoint = "app.py"
deps       = ["Pipfile", "Pipfile.lock"]
preset     = "%s"
`,
}

// TestCrossPlanRunsNothingOnTheTarget: for linux/arm64 on amd64 no stage
// with a Run step is on the target platform (nothing arm64 runs without
// emulation); the install is uv's for the target's wheels, checked for
// compiled code of the build platform right after, at the deps line; strip
// is the target's; the closure reads the target stage.
func TestCrossPlanRunsNothingOnTheTarget(t *testing.T) {
	for name, src := range crossKinds {
		for _, b := range []string{"distroless", "scratch"} {
			t.Run(name+"/"+b, func(t *testing.T) {
				plan := arm64.Plan(t, presettest.WithBase(src, b))
				for _, s := range plan.Stages {
					if s.Where == llbgen.OnTarget && slices.ContainsFunc(s.Steps, func(st llbgen.Step) bool { return st.Run != nil }) {
						t.Errorf("stage %s runs a program on the target platform", s.Name)
					}
				}
				deps := presettest.Stage(t, plan, "deps")
				i := slices.IndexFunc(deps.Steps, func(s llbgen.Step) bool { return s.Key == "deps" && s.Run != nil })
				if i < 0 || i+1 >= len(deps.Steps) {
					t.Fatalf("no install step in deps: %+v", deps.Steps)
				}
				argv := strings.Join(deps.Steps[i].Run.Argv, " ")
				if !strings.Contains(argv, "--python-platform aarch64-manylinux_2_40") || strings.Contains(argv, tools+"/bin/pip ") {
					t.Errorf("the install is not uv's for the target: %s", argv)
				}
				if c := deps.Steps[i+1]; c.Run == nil || c.Key != "deps" || !slices.Contains(c.Run.Argv, crossCheckPath) || !slices.Contains(c.Run.Argv, "183") {
					t.Errorf("the step after the install is not the aarch64 check at deps: %s", llbgen.Describe(c))
				}
				stripped := presettest.Stage(t, plan, strippedStage)
				if !strings.Contains(llbgen.Format(llbgen.Plan{Stages: []llbgen.Stage{stripped}}), "aarch64-linux-gnu-strip") ||
					stripped.Base.Stage != crossStripStage || stripped.Steps[0].Copy == nil || stripped.Steps[0].Copy.From != "deps" {
					t.Errorf("the venv is not stripped with the target's strip over the deps stage's venv: %+v", stripped)
				}
				if strings.Contains(llbgen.Format(llbgen.Plan{Stages: []llbgen.Stage{deps}}), "strip") {
					t.Error("deps still strips (with the build platform's strip)")
				}
				if tg := presettest.Stage(t, plan, "target"); tg.Steps[0].Copy == nil || tg.Steps[0].Copy.From != strippedStage {
					t.Errorf("the target stage's venv is not the stripped one: %+v", tg.Steps[0])
				}
				libs := presettest.Stage(t, plan, "libs")
				if !slices.ContainsFunc(libs.Steps[0].Run.Mounts, func(m llbgen.Mount) bool { return m.Target == "/target" && m.From == "target" }) {
					t.Errorf("the closure does not read the target stage: %+v", libs.Steps[0].Run.Mounts)
				}
				if rt := presettest.Stage(t, plan, "runtime"); rt.Where != llbgen.OnTarget || rt.Base.Image != "gcr.io/distroless/python3-debian13:nonroot" {
					t.Errorf("runtime = %+v, want the target's distroless python3", rt)
				}
				if _, ok := stage(plan, "project"); ok && name != "poetry" && name != "uv" && name != "pyproject" && name != "pdm" {
					t.Errorf("%s has a project stage", name)
				}
				if ps, ok := stage(plan, "project"); ok && !slices.ContainsFunc(ps.Steps, func(s llbgen.Step) bool {
					return s.Run != nil && slices.Contains(s.Run.Argv, crossCheckPath) && slices.Contains(s.Run.Argv, projRoot)
				}) {
					t.Error("the project stage does not check what building the project made")
				}
			})
		}
	}
}

func stage(plan llbgen.Plan, name string) (llbgen.Stage, bool) {
	i := slices.IndexFunc(plan.Stages, func(s llbgen.Stage) bool { return s.Name == name })
	if i < 0 {
		return llbgen.Stage{}, false
	}
	return plan.Stages[i], true
}

// TestCrossSharesTheNativeBuilder: the arm64 plan's builder and app stages
// are the amd64 plan's, on the same (build) platform, so one two-platform
// build runs them once.
func TestCrossSharesTheNativeBuilder(t *testing.T) {
	for _, name := range []string{"flask", "uv"} {
		src := presettest.WithBase(apps[name], "scratch")
		native, cross := h.Plan(t, src), arm64.Plan(t, src)
		for _, s := range []string{"python", "app"} {
			n, c := presettest.Stage(t, native, s), presettest.Stage(t, cross, s)
			if c.Where != llbgen.OnBuild {
				t.Errorf("%s: cross %s stage is not on the build platform", name, s)
			}
			n.Where = c.Where
			if !reflect.DeepEqual(n, c) {
				t.Errorf("%s: cross %s stage differs from the native one:\n%s\n%s", name, s,
					llbgen.Format(llbgen.Plan{Stages: []llbgen.Stage{n}}), llbgen.Format(llbgen.Plan{Stages: []llbgen.Stage{c}}))
			}
		}
		for _, s := range native.Stages {
			if s.Name == crossToolsStage || s.Name == "target" {
				t.Errorf("%s: native plan has a %s stage", name, s.Name)
			}
		}
	}
}

func TestCrossGoldens(t *testing.T) {
	presettest.Golden(t, "cross-arm64-flask-distroless", arm64.Plan(t, presettest.WithBase(apps["flask"], "distroless")))
	presettest.Golden(t, "cross-arm64-uv-scratch", arm64.Plan(t, presettest.WithBase(apps["uv"], "scratch")))
}

// TestCrossTargetChoice: which targets plan a cross build, which natively
// and which are refused at their key.
func TestCrossTargetChoice(t *testing.T) {
	flask := presettest.WithBase(apps["flask"], "distroless")
	arm := presettest.Arm64
	for _, c := range []struct {
		name   string
		src    string
		target presets.Target
		cross  bool
		err    string
		files  map[string]string // the build context, when the version may come from it
	}{
		{"native amd64", flask, presets.Target{Build: amd64, Platform: amd64}, false, "", nil},
		{"arm64 on amd64", flask, presets.Target{Build: amd64, Platform: arm}, true, "", nil},
		{"amd64 on arm64", flask, presets.Target{Build: arm, Platform: amd64}, true, "", nil},
		{"unknown build platform", flask, presets.Target{Platform: arm}, false, "", nil},
		{"alpine keeps its builders on the target", presettest.WithBase(apps["flask"], "alpine"), presets.Target{Build: amd64, Platform: arm}, false, "", nil},
		{"another version", flask + "version = \"3.12\"\n", presets.Target{Build: amd64, Platform: arm},
			false, `slim.toml:7:1: version: Python 3.12 for linux/arm64 on a linux/amd64 build platform`, nil},
		{"another CPU", flask, presets.Target{Build: amd64, Platform: ocispecs.Platform{OS: "linux", Architecture: "s390x"}},
			false, `slim.toml:6:1: preset: Python for linux/s390x on a linux/amd64 build platform: images for another CPU are built without emulation for linux/amd64 and linux/arm64`, nil},
		{"a version from requires-python", flask, presets.Target{Build: amd64, Platform: arm}, false,
			`slim.toml: Python 3.14, chosen from requires-python, for linux/arm64 on a linux/amd64 build platform`,
			map[string]string{"pyproject.toml": "[project]\nname = \"x\"\nrequires-python = \">=3.14\"\n"}},
		{"3.13 from .python-version", flask, presets.Target{Build: amd64, Platform: arm}, true, "", map[string]string{".python-version": "3.13.5\n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p presets.Preset = New()
			if c.files != nil {
				p = New().WithContext(memFiles(c.files))
			}
			plan, err := presets.NewRegistry(p).Plan(h.Parse(t, c.src), c.target)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want it to contain %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, hasTools := stage(plan, crossToolsStage)
			if hasTools != c.cross {
				t.Errorf("cross = %v, want %v", hasTools, c.cross)
			}
		})
	}
}

// TestCrossRootfsScriptReadsTheTarget: the scratch rootfs of a cross build
// copies the interpreter and the stdlib from the target's files, and
// nothing else of the assembly changes.
func TestCrossRootfsScriptReadsTheTarget(t *testing.T) {
	if n := strings.Count(crossRootfsScript, `os.environ["SLIM_TARGET_ROOT"]`); n != 2 {
		t.Fatalf("crossRootfsScript reads SLIM_TARGET_ROOT %d times, want 2 (the interpreter and the stdlib): rootfsScript changed shape", n)
	}
	if d := len(crossRootfsScript) - len(rootfsScript); d != 2*len(`os.environ["SLIM_TARGET_ROOT"] + `) {
		t.Errorf("crossRootfsScript differs from rootfsScript by %d bytes", d)
	}
	plan := arm64.Plan(t, presettest.WithBase(apps["flask"], "scratch"))
	rs := presettest.Stage(t, plan, "rootfs")
	if rs.Where != llbgen.OnBuild || rs.Base.Stage != "python" {
		t.Errorf("rootfs = %v from %+v, want the builder on the build platform", rs.Where, rs.Base)
	}
	i := slices.IndexFunc(rs.Steps, func(s llbgen.Step) bool { return s.Run != nil })
	if i < 0 || !slices.Contains(rs.Steps[i].Run.Mounts, llbgen.Mount{Target: "/target", From: "runtime"}) ||
		!slices.Contains(rs.Steps[i].Run.Env, llbgen.KV{Key: "SLIM_TARGET_ROOT", Value: "/target"}) {
		t.Errorf("the rootfs assembly does not read the target's files: %+v", rs.Steps)
	}
}

// TestCrossCheckScriptNamesTheDistributions runs crossCheckScript on a
// site-packages holding an x86-64 and an aarch64 ELF header: for aarch64
// it fails naming the distribution that owns the x86-64 file (by its
// RECORD), and names the one whose wheel was built here (tag
// linux_aarch64, not manylinux); for x86-64 the other way round; without
// ELF files it passes.
func TestCrossCheckScriptNamesTheDistributions(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine to run the check script with")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "check.py")
	site := filepath.Join(dir, "venv", "lib", "python3.13", "site-packages")
	elfHeader := func(machine byte) []byte {
		h := make([]byte, 64)
		copy(h, "\x7fELF\x02\x01\x01")
		h[18] = machine
		return h
	}
	files := map[string][]byte{
		"native/_speedups.cpython-313-x86_64-linux-gnu.so": elfHeader(62),
		"native-1.2.dist-info/METADATA":                    []byte("Metadata-Version: 2.1\nName: native\nVersion: 1.2\n\nbody\n"),
		"native-1.2.dist-info/RECORD":                      []byte("native/_speedups.cpython-313-x86_64-linux-gnu.so,sha256=x,64\nnative-1.2.dist-info/RECORD,,\n"),
		"wheel/_fast.cpython-313-aarch64-linux-gnu.so":     elfHeader(183),
		"wheel-2.0.dist-info/METADATA":                     []byte("Name: wheel-pkg\nVersion: 2.0\n"),
		"wheel-2.0.dist-info/RECORD":                       []byte("wheel/_fast.cpython-313-aarch64-linux-gnu.so,,\n"),
		"wheel-2.0.dist-info/WHEEL":                        []byte("Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp313-cp313-linux_aarch64\n"),
		"native-1.2.dist-info/WHEEL":                       []byte("Wheel-Version: 1.0\nTag: cp313-cp313-manylinux_2_17_x86_64\nTag: cp313-cp313-manylinux2014_x86_64\n"),
		"pure/__init__.py":                                 []byte("\x7fELF but short"),
	}
	for name, data := range files {
		p := filepath.Join(site, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(script, []byte(crossCheckScript), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(machine, platform string, dirs ...string) (string, error) {
		out, err := exec.Command(py, append([]string{script, machine, platform, elfMachineNames}, dirs...)...).CombinedOutput()
		return string(out), err
	}
	out, err := run("183", "linux/arm64", filepath.Join(dir, "venv"))
	if err == nil || !strings.Contains(out, "no linux/arm64 wheel") || !strings.Contains(out, "native 1.2: _speedups.cpython-313-x86_64-linux-gnu.so (x86-64)") || strings.Contains(out, "wheel-pkg") {
		t.Errorf("aarch64 check: err = %v, output:\n%s", err, out)
	}
	// a wheel tagged plain linux_<machine> was built here: the log names it
	if want := "slimfront: deps: built from its source distribution for linux/arm64: wheel 2.0 (cp313-cp313-linux_aarch64)"; !strings.Contains(out, want) || strings.Contains(out, "distribution for linux/arm64: native") {
		t.Errorf("aarch64 check: the log does not name the wheel built here (%q) or names a manylinux one:\n%s", want, out)
	}
	out, err = run("62", "linux/amd64", filepath.Join(dir, "venv"))
	if err == nil || !strings.Contains(out, "wheel-pkg 2.0: _fast.cpython-313-aarch64-linux-gnu.so (aarch64)") || strings.Contains(out, "native 1.2") {
		t.Errorf("x86-64 check: err = %v, output:\n%s", err, out)
	}
	if out, err := run("183", "linux/arm64", filepath.Join(site, "pure")); err != nil {
		t.Errorf("a tree without ELF files fails: %v\n%s", err, out)
	}
}

// TestCrossDpkgDatabaseFromRecords runs dpkgScript on distroless-style
// records (status.d/<pkg>, <pkg>.md5sums) and gives the result to the
// closure's record writer (elfdeps.WriteRecords), as the cross scratch
// build does: the package owning a copied library is recorded with its
// fields and that file's checksum, a package owning nothing copied is not.
func TestCrossDpkgDatabaseFromRecords(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine to run the script with")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	put := func(name, data string) {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("usr/lib/aarch64-linux-gnu/libffi.so.8", "elf")
	put("var/lib/dpkg/status.d/libffi8", "Package: libffi8\nVersion: 3.4.8-2\nArchitecture: arm64\n")
	put("var/lib/dpkg/status.d/libffi8.md5sums", "0123456789abcdef0123456789abcdef  usr/lib/aarch64-linux-gnu/libffi.so.8\nfedcba9876543210fedcba9876543210  usr/share/doc/libffi8/copyright\n")
	put("var/lib/dpkg/status.d/tzdata", "Package: tzdata\nVersion: 2025b\nArchitecture: all\n")
	put("var/lib/dpkg/status.d/tzdata.md5sums", "00000000000000000000000000000000  usr/share/zoneinfo/UTC\n")
	script := filepath.Join(dir, "dpkgdb.py")
	if err := os.WriteFile(script, []byte(dpkgScript), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(py, script, filepath.Join(root, "var/lib/dpkg/status.d"), filepath.Join(root, "var/lib/dpkg")).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	r, err := elfdeps.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	got, err := elfdeps.WriteRecords(r, []string{"/usr/lib/aarch64-linux-gnu/libffi.so.8"}, out, nil, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "libffi8" {
		t.Fatalf("records written for %v, want libffi8", got)
	}
	rec, err := os.ReadFile(filepath.Join(out, "var/lib/dpkg/status.d/libffi8"))
	if err != nil || !strings.Contains(string(rec), "Version: 3.4.8-2") {
		t.Errorf("libffi8 record = %q, %v", rec, err)
	}
	sums, err := os.ReadFile(filepath.Join(out, "var/lib/dpkg/status.d/libffi8.md5sums"))
	if err != nil || strings.TrimSpace(string(sums)) != "0123456789abcdef0123456789abcdef  usr/lib/aarch64-linux-gnu/libffi.so.8" {
		t.Errorf("libffi8 md5sums = %q, %v (want only the copied library's line)", sums, err)
	}
}

// TestCrossSdistsCompiledForTheTarget: in every cross plan the target's
// Python image comes first, crosstools holds the target's sysconfig module
// (copied from it), crossBuildHook at Debian's sitecustomize, the
// compiler wrappers and crossCCInstall, and the install step turns the
// hook on and mounts crossCCInstall's apt caches (shared, not the strip
// stage's locked ones).
func TestCrossSdistsCompiledForTheTarget(t *testing.T) {
	for name, src := range crossKinds {
		for _, b := range []string{"distroless", "scratch"} {
			t.Run(name+"/"+b, func(t *testing.T) {
				plan := arm64.Plan(t, presettest.WithBase(src, b))
				if plan.Stages[0].Name != "runtime" || plan.Stages[0].Base.Image != "gcr.io/distroless/python3-debian13:nonroot" {
					t.Errorf("the first stage is %s (%+v), want runtime, the target's Python image", plan.Stages[0].Name, plan.Stages[0].Base)
				}
				ts := presettest.Stage(t, plan, crossToolsStage)
				files := map[string]string{}
				copied := false
				for _, s := range ts.Steps {
					if s.File != nil {
						files[s.File.Path] = string(s.File.Data)
					}
					if c := s.Copy; c != nil && c.From == "runtime" && slices.Equal(c.Src, []string{"/usr/lib/python3.13/_sysconfigdata__linux_aarch64-linux-gnu.py"}) && c.Dest == "/usr/lib/python3.13/" {
						copied = true
					}
				}
				if !copied {
					t.Error("crosstools does not copy the target's _sysconfigdata__linux_aarch64-linux-gnu.py from runtime into the stdlib")
				}
				hook := files[crossHookPath]
				for _, want := range []string{`"_PYTHON_HOST_PLATFORM": "linux-aarch64"`, `"_PYTHON_SYSCONFIGDATA_NAME": "_sysconfigdata__linux_aarch64-linux-gnu"`, `"CC": "aarch64-linux-gnu-gcc"`, `"CXX": "aarch64-linux-gnu-g++"`, "SLIM_CROSS_SDISTS", "UV_CACHE_DIR"} {
					if !strings.Contains(hook, want) {
						t.Errorf("the build hook at %s does not hold %s:\n%s", crossHookPath, want, hook)
					}
				}
				install := files[crossCCInstallPath]
				for _, want := range []string{"dpkg --add-architecture arm64", "gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross libpython3.13-dev:arm64", "flock 9"} {
					if !strings.Contains(install, want) {
						t.Errorf("crossCCInstall does not hold %q:\n%s", want, install)
					}
				}
				for _, prog := range []string{"gcc", "g++", "ar"} {
					if w := files["/usr/local/bin/aarch64-linux-gnu-"+prog]; !strings.Contains(w, crossCCInstallPath) {
						t.Errorf("no wrapper /usr/local/bin/aarch64-linux-gnu-%s installing the toolchain on first use: %q", prog, w)
					}
				}
				deps := presettest.Stage(t, plan, "deps")
				i := slices.IndexFunc(deps.Steps, func(s llbgen.Step) bool { return s.Key == "deps" && s.Run != nil })
				run := deps.Steps[i].Run
				if !slices.Contains(run.Env, llbgen.KV{Key: "SLIM_CROSS_SDISTS", Value: "1"}) {
					t.Errorf("the install does not turn the build hook on: %+v", run.Env)
				}
				if !slices.ContainsFunc(run.Env, func(kv llbgen.KV) bool { return kv.Key == "UV_CACHE_DIR" && kv.Value == uvCache }) && !slices.ContainsFunc(deps.Env, func(kv llbgen.KV) bool { return kv.Key == "UV_CACHE_DIR" }) {
					t.Errorf("the install has no UV_CACHE_DIR, which the hook tells uv's build environments by: %+v", run.Env)
				}
				for _, c := range crossCCApt {
					if !slices.Contains(run.Caches, c) || c.Locked {
						t.Errorf("the install does not mount %+v shared: %+v", c, run.Caches)
					}
				}
			})
		}
	}
}

// TestCrossBuildHookOnlyInUVBuildEnvironments runs crossBuildHook with the
// host's python3: in a venv under $UV_CACHE_DIR with SLIM_CROSS_SDISTS=1
// (a uv build environment of the cross install) it sets the target's
// _PYTHON_HOST_PLATFORM, _PYTHON_SYSCONFIGDATA_NAME and compilers; in a
// venv elsewhere (the app's venv, which uv queries), without the switch,
// or outside a venv, it changes nothing.
func TestCrossBuildHookOnlyInUVBuildEnvironments(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine to run the hook with")
	}
	dir := t.TempDir()
	cache := filepath.Join(dir, "uv-cache")
	hook := filepath.Join(dir, "sitecustomize.py")
	c := crossTargets["arm64"]
	if err := os.WriteFile(hook, []byte(c.crossBuildHook()), 0o644); err != nil {
		t.Fatal(err)
	}
	buildEnv, appEnv := filepath.Join(cache, "builds-v0", ".tmpabc"), filepath.Join(dir, "venv")
	for _, v := range []string{buildEnv, appEnv} {
		if out, err := exec.Command(py, "-m", "venv", "--without-pip", v).CombinedOutput(); err != nil {
			t.Fatalf("python3 -m venv: %v\n%s", err, out)
		}
	}
	const show = `import os, sys; exec(open(sys.argv[1]).read()); print(",".join(os.environ.get(k, "-") for k in ("_PYTHON_HOST_PLATFORM", "_PYTHON_SYSCONFIGDATA_NAME", "CC", "CXX")))`
	run := func(python string, env ...string) string {
		cmd := exec.Command(python, "-c", show, hook)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", python, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	const cross, none = "linux-aarch64,_sysconfigdata__linux_aarch64-linux-gnu,aarch64-linux-gnu-gcc,aarch64-linux-gnu-g++", "-,-,-,-"
	for _, tc := range []struct {
		what, python string
		env          []string
		want         string
	}{
		{"a uv build environment of the cross install", buildEnv + "/bin/python", []string{"UV_CACHE_DIR=" + cache + "/", "SLIM_CROSS_SDISTS=1"}, cross},
		{"a uv build environment without SLIM_CROSS_SDISTS", buildEnv + "/bin/python", []string{"UV_CACHE_DIR=" + cache}, none},
		{"the app's venv (uv's interpreter query)", appEnv + "/bin/python", []string{"UV_CACHE_DIR=" + cache, "SLIM_CROSS_SDISTS=1"}, none},
		{"the base interpreter", py, []string{"UV_CACHE_DIR=" + cache, "SLIM_CROSS_SDISTS=1"}, none},
	} {
		if got := run(tc.python, tc.env...); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.what, got, tc.want)
		}
	}
}
