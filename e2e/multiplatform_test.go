package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"debug/elf"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// Node apps for linux/amd64 and linux/arm64 in one build, on a worker that
// cannot run arm64 programs: the builders run on the build platform and the
// production install picks the target's prebuilt addons, or the addons stage
// compiles node-gyp addons for glibc targets with Debian's cross g++
// (presets/node/cross.go).

// elfMachines returns the ELF machine of every regular ELF file of img, by
// path.
func elfMachines(t *testing.T, l *ocitar.Layout, img ocitar.Image) map[string]elf.Machine {
	t.Helper()
	out := map[string]elf.Machine{}
	for _, ly := range img.Layers {
		err := l.WalkLayer(ly, func(name string, h *tar.Header, r io.Reader) error {
			if h.Typeflag != tar.TypeReg || h.Size < 64 {
				return nil
			}
			head := make([]byte, 4)
			if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, []byte(elf.ELFMAG)) {
				return nil
			}
			rest, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			f, err := elf.NewFile(bytes.NewReader(append(head, rest...)))
			if err != nil {
				t.Errorf("%s: ELF magic but unreadable: %v", name, err)
				return nil
			}
			out[name] = f.Machine
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkTwoPlatforms checks the index holds linux/amd64 and linux/arm64,
// that every ELF file of each is for its machine and that the files in
// mustBeELF are among them ($ARCH is Node's name of the CPU, x64 or arm64;
// $MACH the GNU one Python's extension module names carry, x86_64 or
// aarch64).
func checkTwoPlatforms(t *testing.T, tarPath string, mustBeELF ...string) {
	t.Helper()
	l, err := ocitar.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	var got []string
	for _, img := range l.Images {
		arch := img.Platform.Architecture
		got = append(got, img.Platform.OS+"/"+arch)
		m, ok := want[arch]
		if !ok {
			continue
		}
		machines := elfMachines(t, l, img)
		var wrong []string
		for name, mm := range machines {
			if mm != m {
				wrong = append(wrong, name+" ("+mm.String()+")")
			}
		}
		sort.Strings(wrong)
		if len(wrong) > 0 {
			t.Errorf("linux/%s image holds ELF files for another machine: %s", arch, strings.Join(wrong, ", "))
		}
		t.Logf("linux/%s: %d ELF files, all %s", arch, len(machines), m)
		for _, f := range mustBeELF {
			f = strings.ReplaceAll(f, "$ARCH", map[string]string{"amd64": "x64", "arm64": "arm64"}[arch])
			f = strings.ReplaceAll(f, "$MACH", map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch])
			if _, ok := machines[f]; !ok {
				t.Errorf("linux/%s: %s is not an ELF file of the image", arch, f)
			}
		}
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "linux/amd64,linux/arm64" {
		t.Fatalf("platforms in the index = %v, want linux/amd64 and linux/arm64", got)
	}
}

// TestNodeTwoPlatformsWithoutEmulation: node-hello (distroless) and
// node-prebuilds (bcrypt's prebuildify addon and sharp's @img/* packages,
// scratch) for linux/amd64,linux/arm64: the arm64 image's node and addons
// are aarch64, no file of it is x86-64, and the amd64 image answers.
func TestNodeTwoPlatformsWithoutEmulation(t *testing.T) {
	requireEnv(t)
	for _, tc := range []struct {
		example string
		elf     []string
	}{
		{"node-hello", []string{"nodejs/bin/node"}},
		{"node-prebuilds", []string{"nodejs/bin/node",
			"app/node_modules/bcrypt/prebuilds/linux-$ARCH/bcrypt.glibc.node",
			"app/node_modules/@img/sharp-linux-$ARCH/lib/sharp-linux-$ARCH.node"}},
	} {
		t.Run(tc.example, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, tc.example)
			tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--platform", "linux/amd64,linux/arm64")
			checkTwoPlatforms(t, tarPath, tc.elf...)
			runImage(t, tarPath).checkServes(t, loadExpect(t, dir))
		})
	}
}

// TestNodeArm64AddonCrossCompiled: better-sqlite3 makes its addon in an
// install script (prebuild-install, else node-gyp) and ships no
// prebuilds/linux-arm64. For linux/amd64,linux/arm64 on distroless and
// scratch the arm64 addon is compiled on the amd64 build platform with
// Debian's aarch64-linux-gnu-g++ (node-gyp --arch=arm64, the addons stage
// of presets/node/cross.go): every ELF file of the arm64 image is aarch64,
// build/Release/better_sqlite3.node among them, and the amd64 image
// answers.
func TestNodeArm64AddonCrossCompiled(t *testing.T) {
	requireEnv(t)
	for _, preset := range []string{"distroless", "scratch"} {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, "node-native")
			tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--platform", "linux/amd64,linux/arm64", "--build-arg", "SLIM_PRESET="+preset)
			checkTwoPlatforms(t, tarPath, "app/node_modules/better-sqlite3/build/Release/better_sqlite3.node")
			// the addons step's log, unless buildx reused it from the cache
			const compiled = "better-sqlite3@12.11.1: compiled for linux/arm64 with aarch64-linux-gnu-g++ (node-gyp --arch=arm64): build/Release/better_sqlite3.node"
			switch {
			case strings.Contains(out, compiled):
				t.Logf("the log says: %s", compiled)
			case strings.Contains(out, "slimfront: better-sqlite3@"):
				t.Errorf("the addons step ran but does not say %q:\n%s", compiled, out)
			default:
				t.Logf("the addons step came from the cache (no log to check)")
			}
			runImage(t, tarPath).checkServes(t, loadExpect(t, dir))
		})
	}
}

// TestNodeArm64NodePreGypCrossCompiled: bcrypt 5.1.1 (e2e/testdata/node-pregyp)
// builds its addon with node-pre-gyp (install: node-pre-gyp install
// --fallback-to-build; package.json "binary" puts it in lib/binding/napi-v3)
// and ships no prebuilds/. For linux/arm64 the addons stage runs
// node-pre-gyp rebuild --target_arch=arm64 with Debian's
// aarch64-linux-gnu-g++, with npm's node_modules and pnpm's
// (node_modules/.pnpm/bcrypt@5.1.1/node_modules/bcrypt): the addon
// node-pre-gyp loads at run time is in the image, and every ELF file of
// the image is aarch64. (Not run: no emulation here.)
func TestNodeArm64NodePreGypCrossCompiled(t *testing.T) {
	requireEnv(t)
	for _, tc := range []struct{ name, lockfile, addon string }{
		{"npm", "package-lock.json", "app/node_modules/bcrypt/lib/binding/napi-v3/bcrypt_lib.node"},
		{"pnpm", "pnpm-lock.yaml", "app/node_modules/.pnpm/bcrypt@5.1.1/node_modules/bcrypt/lib/binding/napi-v3/bcrypt_lib.node"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "node-pregyp")
			if err := copyTree(repoPath("e2e", "testdata", "node-pregyp"), dir); err != nil {
				t.Fatal(err)
			}
			toml, err := os.ReadFile(filepath.Join(dir, "slim.toml"))
			if err != nil {
				t.Fatal(err)
			}
			writeFiles(t, dir, map[string]string{"slim.toml": strings.Replace(string(toml), `"package-lock.json"`, `"`+tc.lockfile+`"`, 1)})
			tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--platform", "linux/arm64")
			l, err := ocitar.Open(tarPath)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Images) != 1 || l.Images[0].Platform.Architecture != "arm64" {
				t.Fatalf("images = %+v, want one linux/arm64", l.Images)
			}
			img := l.Images[0]
			machines := elfMachines(t, l, img)
			for name, m := range machines {
				if m != elf.EM_AARCH64 {
					t.Errorf("%s is %s, want EM_AARCH64", name, m)
				}
			}
			files, err := l.Files(img)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range files {
				if f.Name != tc.addon {
					continue
				}
				target := f.Name
				if f.Type == tar.TypeLink { // the closure stores identical files once
					target = strings.TrimPrefix(f.Linkname, "/")
				}
				m, ok := machines[target]
				found = ok && m == elf.EM_AARCH64
			}
			if !found {
				t.Errorf("%s is not an aarch64 ELF file of the image", tc.addon)
			}
			t.Logf("linux/arm64: %d ELF files, all aarch64, %s among them", len(machines), tc.addon)
		})
	}
}

// badAddonTgz returns an npm tarball of badaddon@1.0.0: a binding.gyp
// (npm's default install runs node-gyp rebuild) whose C source stops an
// aarch64 compile with #error, and its integrity (sha512, as lockfiles
// hold it).
func badAddonTgz(t *testing.T) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct{ name, data string }{
		{"package/package.json", `{"name":"badaddon","version":"1.0.0","main":"index.js"}` + "\n"},
		{"package/binding.gyp", `{"targets":[{"target_name":"badaddon","sources":["badaddon.c"]}]}` + "\n"},
		{"package/badaddon.c", "#ifdef __aarch64__\n#error \"badaddon does not build for aarch64\"\n#endif\nint badaddon;\n"},
		{"package/index.js", "module.exports = 1;\n"},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(buf.Bytes())
	return buf.Bytes(), "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// TestNodeArm64AddonCrossCompileFails: an addon without a prebuild whose
// cross compile fails (badaddon's source refuses aarch64) fails the
// linux/arm64 build at slim.toml's deps line naming the package and the
// compile, never a green build without the addon or with an x86-64 one.
// (Targets that are not cross-compiled, alpine's musl and cmake-js
// builds, are covered by installjs_test.go in presets/node: this
// environment has no node alpine image.)
func TestNodeArm64AddonCrossCompileFails(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := t.TempDir()
	tgz, integrity := badAddonTgz(t)
	writeFiles(t, dir, map[string]string{
		"slim.toml":    "# syntax=org/slimfront\nlanguage   = \"node\"\nentrypoint = \"server.js\"\npreset     = \"scratch\"\ndeps       = [\"package.json\", \"package-lock.json\", \"badaddon-1.0.0.tgz\"]\n",
		"package.json": `{"name":"app","version":"1.0.0","dependencies":{"badaddon":"file:badaddon-1.0.0.tgz"}}` + "\n",
		"package-lock.json": `{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{` +
			`"":{"name":"app","version":"1.0.0","dependencies":{"badaddon":"file:badaddon-1.0.0.tgz"}},` +
			`"node_modules/badaddon":{"version":"1.0.0","resolved":"file:badaddon-1.0.0.tgz","integrity":"` + integrity + `"}}}` + "\n",
		"badaddon-1.0.0.tgz": string(tgz),
		"server.js":          "require('badaddon');\n",
	})
	dest := filepath.Join(t.TempDir(), "img.tar")
	out, err := buildx(t, dir, "-f", "slim.toml", "--platform", "linux/arm64",
		"--output", "type=oci,dest="+dest+",name=app:latest")
	if err == nil {
		t.Fatalf("badaddon built green for linux/arm64 although its compile for aarch64 fails\n%s", out)
	}
	for _, want := range []string{
		"cross-compiling native addons for linux/arm64 (glibc) with aarch64-linux-gnu-g++ failed for: badaddon@1.0.0 (node_modules/badaddon): node-gyp --arch=arm64 failed",
		"badaddon does not build for aarch64", "slim.toml:5", ">>> deps",
	} { // slim.toml's line 5 is its deps
		if !strings.Contains(out, want) {
			t.Errorf("the error does not say %q:\n%s", want, out)
		}
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) > 30 {
		t.Logf("failed as it must; buildx's last lines:\n%s", strings.Join(lines[len(lines)-30:], "\n"))
	}
}

// TestPythonTwoPlatformsWithoutEmulation: python-flask (markupsafe's C
// speedups) and python-native (orjson in Rust, pyzmq with its vendored
// libzmq) for linux/amd64,linux/arm64 on distroless and scratch, on a
// worker that cannot run arm64 programs: the arm64 builders run on the
// build platform, uv installs the arm64 wheels, the interpreter and stdlib
// come from the arm64 distroless python3 image as data
// (presets/python/cross.go). Every ELF file of the arm64 image is aarch64,
// the listed ones among them, and the amd64 image answers.
func TestPythonTwoPlatformsWithoutEmulation(t *testing.T) {
	requireEnv(t)
	const site = "opt/venv/lib/python3.13/site-packages/"
	// scratch images record the packages of the libraries they hold, for
	// scanners: natively from the builder's dpkg database. For arm64 they
	// come from the target image's status.d/<pkg>.md5sums, which upstream
	// distroless has and this environment's python3 stand-in lacks, so the
	// arm64 image's records are only logged here (the unit test
	// TestCrossDpkgDatabaseFromRecords covers that path).
	scratchRecords := []string{"libc6", "libssl3t64", "python3.13-minimal"}
	for _, tc := range []struct {
		example, preset string
		elf             []string
		records         []string
	}{
		{"python-flask", "distroless", []string{"usr/bin/python3.13", site + "markupsafe/_speedups.cpython-313-$MACH-linux-gnu.so"}, nil},
		{"python-flask", "scratch", []string{"usr/bin/python3.13", "usr/lib/python3.13/lib-dynload/_ssl.cpython-313-$MACH-linux-gnu.so",
			site + "markupsafe/_speedups.cpython-313-$MACH-linux-gnu.so"}, scratchRecords},
		{"python-native", "distroless", []string{"usr/bin/python3.13", site + "orjson/orjson.cpython-313-$MACH-linux-gnu.so", site + "zmq/backend/cython/_zmq.abi3.so"}, nil},
		{"python-native", "scratch", []string{"usr/bin/python3.13", site + "orjson/orjson.cpython-313-$MACH-linux-gnu.so", site + "zmq/backend/cython/_zmq.abi3.so"}, scratchRecords},
	} {
		t.Run(tc.example+"/"+tc.preset, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, tc.example)
			tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--platform", "linux/amd64,linux/arm64", "--build-arg", "SLIM_PRESET="+tc.preset)
			checkTwoPlatforms(t, tarPath, tc.elf...)
			if len(tc.records) > 0 {
				l, err := ocitar.Open(tarPath)
				if err != nil {
					t.Fatal(err)
				}
				for _, img := range l.Images {
					for _, pkg := range tc.records {
						_, err := l.ReadFile(img, "var/lib/dpkg/status.d/"+pkg)
						switch {
						case err != nil && img.Platform.Architecture == "amd64":
							t.Errorf("linux/amd64: no package record of %s: %v", pkg, err)
						case err != nil:
							t.Logf("linux/%s: no package record of %s (the stand-in's records have no md5sums)", img.Platform.Architecture, pkg)
						}
					}
				}
			}
			runImage(t, tarPath).checkServes(t, loadExpect(t, dir))
		})
	}
}

// sdistNamed matches uv's failure to build psycopg2 (its cross compile
// for aarch64 does not link: libpq is the builder's, for amd64), uv's
// refusal of a psycopg2 wheel built for amd64, or crosscheck.py's line
// naming it.
var sdistNamed = regexp.MustCompile("Failed to build `psycopg2==2\\.9\\.10`|psycopg2-2\\.9\\.10-\\S*x86_64\\S*\\.whl.? is not compatible with the target|psycopg2 2\\.9\\.10: \\S+ \\(x86-64\\)")

// TestPythonArm64SdistWithCodeFails: psycopg2 publishes no Linux wheels,
// so for linux/arm64 uv builds it from its sdist on the amd64 build
// platform, cross-compiled with Debian's aarch64-linux-gnu-gcc
// (presets/python/cross.go); it links libpq, which the builder has only
// for amd64 (the example's [build] packages: libpq-dev), so the link
// fails. x86-64 code in an arm64 image must never be the result: the
// build fails at slim.toml's deps line naming psycopg2 (uv's "Failed to
// build", with the linker's "cannot find -lpq"; or, were a wheel built
// for amd64, uv's refusal of it or the check after the install).
func TestPythonArm64SdistWithCodeFails(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := copyExample(t, "python-psycopg2")
	// the example's line asks pip for --no-binary, which uv refuses to
	// parse; without it psycopg2 still has nothing but its sdist for Linux
	if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("psycopg2==2.9.10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "img.tar")
	out, err := buildx(t, dir, "-f", "slim.toml", "--platform", "linux/arm64", "--no-cache-filter", "deps",
		"--output", "type=oci,dest="+dest+",name=app:latest")
	if err == nil {
		t.Fatalf("python-psycopg2 built green for linux/arm64 from an sdist compiled on amd64\n%s", out)
	}
	for _, want := range []string{"slimfront: deps: for linux/arm64", "slim.toml:4", ">>> deps"} { // the deps line of examples/python-psycopg2/slim.toml
		if !strings.Contains(out, want) {
			t.Errorf("the error does not say %q:\n%s", want, out)
		}
	}
	if m := sdistNamed.FindString(out); m == "" {
		t.Errorf("the error does not name psycopg2 as failed or built for the wrong platform:\n%s", out)
	} else {
		t.Logf("failed as it must: %q", m)
	}
}

// TestPythonArm64EveryInstaller: the poetry, pdm and pipenv exports (uv pip
// install --no-deps of the hashed export), a project installed from its
// sources (python-uv-package's console script) and a [build] script run on
// the build platform (Django's collectstatic) build for linux/arm64 on this
// amd64 worker, and every ELF file of each image is aarch64.
func TestPythonArm64EveryInstaller(t *testing.T) {
	requireEnv(t)
	for _, example := range []string{"python-poetry", "python-pdm", "python-pipenv", "python-uv-package", "python-django"} {
		t.Run(example, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, example)
			tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--platform", "linux/arm64")
			l, err := ocitar.Open(tarPath)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Images) != 1 || l.Images[0].Platform.Architecture != "arm64" {
				t.Fatalf("images in the layout: %+v, want one linux/arm64 image", l.Images)
			}
			machines := elfMachines(t, l, l.Images[0])
			if _, ok := machines["usr/bin/python3.13"]; !ok {
				t.Error("usr/bin/python3.13 is not an ELF file of the image")
			}
			for name, m := range machines {
				if m != elf.EM_AARCH64 {
					t.Errorf("%s is %s, want %s", name, m, elf.EM_AARCH64)
				}
			}
			t.Logf("linux/arm64: %d ELF files, all %s", len(machines), elf.EM_AARCH64)
		})
	}
}
