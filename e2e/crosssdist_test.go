package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pythonSdist returns a source distribution (PEP 625: <name>-<version>.tar.gz
// holding <name>-<version>/ with PKG-INFO) of the source tree in dir.
func pythonSdist(t *testing.T, dir, name, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	top := name + "-" + version + "/"
	add := func(rel string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: top + rel, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	add("PKG-INFO", []byte("Metadata-Version: 2.1\nName: "+name+"\nVersion: "+version+"\n"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		add(e.Name(), data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPythonArm64SdistCrossCompiled: e2e/testdata/python-csdist installs
// hellocext from a local sdist (one C extension module, no library but
// libc and libpython; no wheel anywhere). For linux/amd64,linux/arm64 on
// scratch and distroless the amd64 image compiles it with the builder's
// gcc, and the arm64 one is cross-compiled on the amd64 build platform by
// uv's setuptools build with the target's sysconfig and Debian's
// aarch64-linux-gnu-gcc (presets/python/cross.go): every ELF file of the
// arm64 image is aarch64, hellocext.cpython-313-aarch64-linux-gnu.so
// among them, and the amd64 image answers with what its module says.
func TestPythonArm64SdistCrossCompiled(t *testing.T) {
	requireEnv(t)
	const module = "opt/venv/lib/python3.13/site-packages/hellocext.cpython-313-$MACH-linux-gnu.so"
	for _, preset := range []string{"scratch", "distroless"} {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "python-csdist")
			if err := copyTree(repoPath("e2e", "testdata", "python-csdist"), dir); err != nil {
				t.Fatal(err)
			}
			sdist := pythonSdist(t, filepath.Join(dir, "hellocext"), "hellocext", "1.0")
			if err := os.WriteFile(filepath.Join(dir, "hellocext-1.0.tar.gz"), sdist, 0o644); err != nil {
				t.Fatal(err)
			}
			tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--platform", "linux/amd64,linux/arm64", "--build-arg", "SLIM_PRESET="+preset)
			checkTwoPlatforms(t, tarPath, module)
			// crosscheck.py's line, unless buildx reused the deps step from the cache
			const built = "slimfront: deps: built from its source distribution for linux/arm64: hellocext 1.0 (cp313-cp313-linux_aarch64)"
			if strings.Contains(out, built) {
				t.Logf("the log says: %s", built)
			} else {
				t.Logf("the log does not say %q (the deps step came from the cache?)", built)
			}
			runImage(t, tarPath).checkServes(t, loadExpect(t, dir))
		})
	}
}
