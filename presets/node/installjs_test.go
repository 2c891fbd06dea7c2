package node

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runInstallJS runs installJS with the local node (skipping the test
// without one) in dir with args and env added; it returns the combined
// output and the exit status.
func runInstallJS(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH")
	}
	js := filepath.Join(t.TempDir(), "install.cjs")
	if err := os.WriteFile(js, []byte(installJS), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, append([]string{js}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func TestInstallJSParses(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH")
	}
	js := filepath.Join(t.TempDir(), "install.cjs")
	if err := os.WriteFile(js, []byte(installJS), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", js).CombinedOutput(); err != nil {
		t.Fatalf("installJS does not parse: %v\n%s", err, out)
	}
}

// fakeGyp stands in for node-gyp: it records its arguments and CXX in
// args.txt and writes build/Release/<dir name>.node with an ELF header for
// FAKE_MACHINE (or exits 1 when FAKE_MACHINE is "fail").
const fakeGyp = `const fs = require('fs'), path = require('path');
fs.writeFileSync('args.txt', process.argv.slice(2).join(' ') + ' CXX=' + process.env.CXX);
if (process.env.FAKE_MACHINE === 'fail') { console.error('gyp ERR! not ok'); process.exit(1); }
const h = Buffer.alloc(64); h.writeUInt32BE(0x7f454c46, 0); h[4] = 2; h[5] = 1; h[6] = 1;
h.writeUInt16LE(3, 16); h.writeUInt16LE(Number(process.env.FAKE_MACHINE), 18);
fs.mkdirSync('build/Release', { recursive: true });
fs.writeFileSync(path.join('build/Release', path.basename(process.cwd()) + '.node'), h);
`

// nativeApp writes an app whose node_modules hold: addon (binding.gyp,
// "prebuild-install || node-gyp rebuild --release", no prebuild), pre (the
// same with prebuilds/linux-arm64) and, with cmake, cm (cmake-js); it
// returns the app dir and the fake node-gyp's path.
func nativeApp(t *testing.T, cmake bool) (string, string) {
	t.Helper()
	dir := t.TempDir()
	put := func(rel, data string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("package.json", `{"name":"app","version":"1.0.0"}`)
	for _, n := range []string{"addon", "pre"} {
		put("node_modules/"+n+"/package.json", `{"name":"`+n+`","version":"1.0.0","scripts":{"install":"prebuild-install || node-gyp rebuild --release"}}`)
		put("node_modules/"+n+"/binding.gyp", `{"targets":[]}`)
	}
	put("node_modules/pre/prebuilds/linux-arm64/pre.node", "prebuilt")
	if cmake {
		put("node_modules/cm/package.json", `{"name":"cm","version":"2.0.0","scripts":{"install":"cmake-js compile"}}`)
	}
	gyp := filepath.Join(t.TempDir(), "node-gyp.js")
	if err := os.WriteFile(gyp, []byte(fakeGyp), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, gyp
}

var arm64Env = []string{"SLIM_TARGET_OS=linux", "SLIM_TARGET_CPU=arm64", "SLIM_TARGET_LIBC=glibc", "SLIM_TARGET_ARCH=arm64",
	"SLIM_TARGET_MACHINE=183", "SLIM_CROSS_CXX=aarch64-linux-gnu-g++", "CXX=aarch64-linux-gnu-g++"}

// TestCompileAddonsForTheTarget: the addons stage's compile mode runs
// node-gyp rebuild --release --arch=arm64 with the cross CXX in the package
// without a prebuild, leaves the prebuilt one alone, and says which path
// each took.
func TestCompileAddonsForTheTarget(t *testing.T) {
	dir, gyp := nativeApp(t, false)
	out, code := runInstallJS(t, dir, append(arm64Env, "npm_config_node_gyp="+gyp, "FAKE_MACHINE=183"), "compile")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{
		"addon@1.0.0: compiled for linux/arm64 with aarch64-linux-gnu-g++ (node-gyp --arch=arm64): build/Release/addon.node",
		"pre@1.0.0: prebuilt addon for linux/arm64",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	args, err := os.ReadFile(filepath.Join(dir, "node_modules/addon/args.txt"))
	if err != nil || string(args) != "rebuild --release --arch=arm64 CXX=aarch64-linux-gnu-g++" {
		t.Errorf("node-gyp ran with %q (%v), want rebuild --release --arch=arm64 and the cross CXX", args, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules/pre/args.txt")); err == nil {
		t.Error("the package with a prebuild for the target was compiled")
	}
}

// TestCompileAddonsRefusesWrongMachine: a compile that writes an x86-64
// addon for an arm64 target, or fails, is an error at the deps line naming
// the package, never a green build.
func TestCompileAddonsRefusesWrongMachine(t *testing.T) {
	for machine, want := range map[string]string{
		"62":   "addon@1.0.0 (node_modules/addon): node-gyp --arch=arm64 wrote ELF files for another machine than aarch64: build/Release/addon.node (x86-64)",
		"fail": "addon@1.0.0 (node_modules/addon): node-gyp --arch=arm64 failed (exit 1",
	} {
		dir, gyp := nativeApp(t, false)
		out, code := runInstallJS(t, dir, append(arm64Env, "npm_config_node_gyp="+gyp, "FAKE_MACHINE="+machine), "compile")
		if code != 2 || !strings.Contains(out, "slimfront: error: deps: cross-compiling native addons for linux/arm64") || !strings.Contains(out, want) {
			t.Errorf("FAKE_MACHINE=%s: exit %d, want 2 and %q:\n%s", machine, code, want, out)
		}
	}
}

// fakeNpm puts an npm that does nothing first on PATH, so installJS's
// install "succeeds" and checkTarget runs on the prepared node_modules.
func fakeNpm(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return "PATH=" + bin + ":" + os.Getenv("PATH")
}

// TestCheckTargetLeavesNodeGypToTheAddonsStage: after a glibc cross
// install, a node-gyp package without a prebuild is left to the addons
// stage; a cmake-js one is an error naming it (not cross-compiled).
func TestCheckTargetLeavesNodeGypToTheAddonsStage(t *testing.T) {
	dir, _ := nativeApp(t, true)
	out, code := runInstallJS(t, dir, append(arm64Env, fakeNpm(t)), "npm", "ci", "--omit=dev")
	if code != 2 {
		t.Fatalf("exit %d, want 2 (cm has no prebuild and is not cross-compiled):\n%s", code, out)
	}
	for _, want := range []string{
		"no prebuilt addon for linux/arm64 in addon@1.0.0: compiled for it with aarch64-linux-gnu-g++ in the next step",
		"no prebuilt native addon for linux/arm64 (glibc) in: cm@2.0.0 (\"install\": \"cmake-js compile\"; cmake-js builds are not cross-compiled)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "in: addon@") || strings.Contains(out, "; addon@") {
		t.Errorf("the error names addon, which the addons stage compiles:\n%s", out)
	}
	dir, _ = nativeApp(t, false)
	if out, code := runInstallJS(t, dir, append(arm64Env, fakeNpm(t)), "npm", "ci", "--omit=dev"); code != 0 {
		t.Errorf("without cm: exit %d, want 0:\n%s", code, out)
	}
}

// TestCheckTargetMuslStaysAnError: alpine (musl) targets are not
// cross-compiled: a node-gyp package without a prebuild fails the deps
// line and says so.
func TestCheckTargetMuslStaysAnError(t *testing.T) {
	dir, _ := nativeApp(t, false)
	env := []string{"SLIM_TARGET_OS=linux", "SLIM_TARGET_CPU=arm64", "SLIM_TARGET_LIBC=musl", "SLIM_TARGET_ARCH=arm64", fakeNpm(t)}
	out, code := runInstallJS(t, dir, env, "npm", "ci", "--omit=dev")
	for _, want := range []string{"no prebuilt native addon for linux/arm64 (musl) in: addon@1.0.0", "not musl (alpine)", `preset = "distroless" or "scratch"`} {
		if code != 2 || !strings.Contains(out, want) {
			t.Errorf("exit %d, want 2 and %q:\n%s", code, want, out)
		}
	}
}

// TestCompileAddonsNodePreGyp: a package node-pre-gyp builds (its install
// script calls node-pre-gyp, package.json "binary" names module_path) is
// compiled with the node-pre-gyp installed beside it: rebuild
// --target_arch=arm64 --target_platform=linux --target_libc=glibc.
func TestCompileAddonsNodePreGyp(t *testing.T) {
	dir, gyp := nativeApp(t, false)
	pkg := filepath.Join(dir, "node_modules/pg")
	pre := filepath.Join(dir, "node_modules/@mapbox/node-pre-gyp")
	for p, data := range map[string]string{
		filepath.Join(pkg, "package.json"):     `{"name":"pg","version":"5.1.1","scripts":{"install":"node-pre-gyp install --fallback-to-build"},"binary":{"module_name":"pg","module_path":"./lib/binding"}}`,
		filepath.Join(pkg, "binding.gyp"):      `{"targets":[]}`,
		filepath.Join(pre, "package.json"):     `{"name":"@mapbox/node-pre-gyp","version":"1.0.11"}`,
		filepath.Join(pre, "bin/node-pre-gyp"): fakeGyp,
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, code := runInstallJS(t, dir, append(arm64Env, "npm_config_node_gyp="+gyp, "FAKE_MACHINE=183"), "compile")
	if code != 0 || !strings.Contains(out, "pg@5.1.1: compiled for linux/arm64 with aarch64-linux-gnu-g++ (node-pre-gyp --target_arch=arm64): build/Release/pg.node") {
		t.Fatalf("exit %d, want 0 and pg compiled by node-pre-gyp:\n%s", code, out)
	}
	args, err := os.ReadFile(filepath.Join(pkg, "args.txt"))
	if err != nil || string(args) != "rebuild --target_arch=arm64 --target_platform=linux --target_libc=glibc CXX=aarch64-linux-gnu-g++" {
		t.Errorf("node-pre-gyp ran with %q (%v)", args, err)
	}
}

// TestCheckTargetSaysWhyNoCompiler: a glibc cross plan without a compiler
// (the lockfile marked no install script, SLIM_CROSS_NONE) fails a package
// that needs one naming the lockfile.
func TestCheckTargetSaysWhyNoCompiler(t *testing.T) {
	dir, _ := nativeApp(t, false)
	env := []string{"SLIM_TARGET_OS=linux", "SLIM_TARGET_CPU=arm64", "SLIM_TARGET_LIBC=glibc", "SLIM_TARGET_ARCH=arm64", fakeNpm(t),
		"SLIM_CROSS_NONE=package-lock.json marks no package with hasInstallScript, so this plan has no cross compiler"}
	out, code := runInstallJS(t, dir, env, "npm", "ci", "--omit=dev")
	if want := `addon@1.0.0 ("install": "prebuild-install || node-gyp rebuild --release")`; code != 2 || !strings.Contains(out, want) || !strings.Contains(out, "package-lock.json marks no package with hasInstallScript") {
		t.Errorf("exit %d, want 2 naming %s and the lockfile:\n%s", code, want, out)
	}
}
