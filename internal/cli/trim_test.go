package cli

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	"github.com/slimfront/slimfront/internal/elfdeps"
	"github.com/slimfront/slimfront/presets/presettest"
)

// ociTar writes an OCI layout tar with one image per platform, each of one
// uncompressed layer holding files (name -> contents), and returns its path.
func ociTar(t *testing.T, images map[string]map[string]string) string {
	t.Helper()
	files := map[string][]byte{"oci-layout": []byte(`{"imageLayoutVersion":"1.0.0"}`)}
	blob := func(b []byte) (string, int64) {
		d := digest.FromBytes(b)
		files["blobs/sha256/"+d.Encoded()] = b
		return d.String(), int64(len(b))
	}
	js := func(v any) (string, int64) { b, _ := json.Marshal(v); return blob(b) }
	var manifests []any
	for arch, layer := range images {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for name, body := range layer {
			tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))})
			tw.Write([]byte(body))
		}
		tw.Close()
		ld, ls := blob(buf.Bytes())
		cd, cs := js(map[string]any{"architecture": arch, "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": []string{ld}},
			"history": []any{map[string]any{"created_by": "COPY --from=libs /out/ / # slimfront"}}})
		md, ms := js(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
			"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ls}}})
		manifests = append(manifests, map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms,
			"platform": map[string]any{"os": "linux", "architecture": arch}})
	}
	files["index.json"], _ = json.Marshal(map[string]any{"schemaVersion": 2, "manifests": manifests})
	p := filepath.Join(t.TempDir(), "img.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for name, data := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))})
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// `slim size` (and so `slim build`, which prints the same report) shows
// the trimming report an image carries, per platform; an image without
// one shows none, a broken one says so.
func TestSizeShowsTheTrimmingReport(t *testing.T) {
	rep, _ := json.Marshal(elfdeps.TrimReport{Trees: []string{"/opt/venv"}, Files: 3, Bytes: 52_000_000,
		Kinds:    map[string]int64{"tests": 50_000_000, "headers": 2_000_000},
		Packages: map[string]int64{"pandas": 40_000_000, "numpy": 12_000_000},
		Kept:     []string{"numpy/_core/tests/_natype: imported by numpy/testing/_private/utils.py"}})
	name := strings.TrimPrefix(elfdeps.TrimReportPath, "/")
	img := ociTar(t, map[string]map[string]string{
		"amd64": {name: string(rep), "opt/venv/x.py": "x"},
		"arm64": {"opt/venv/x.py": "x"},
	})
	code, out, errOut := runCLI("size", img)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"linux/amd64  trimmed 52.00 MB in 3 files from /opt/venv",
		"  per kind:    tests 50.00 MB, headers 2.00 MB\n",
		"  per package: pandas 40.00 MB, numpy 12.00 MB\n",
		"  kept numpy/_core/tests/_natype: imported by numpy/testing/_private/utils.py\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("slim size output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "linux/arm64  trimmed") {
		t.Errorf("an image without a report got one:\n%s", out)
	}

	bad := ociTar(t, map[string]map[string]string{"amd64": {name: "{not json"}})
	if code, out, _ := runCLI("size", bad); code != ExitOK || !strings.Contains(out, "trimming report unreadable") {
		t.Errorf("broken report: exit %d\n%s", code, out)
	}
}

// `slim plan` says what the closure will trim, with [run] keep paths, and
// that trimming is off with [run] trim = false; a Go plan says nothing.
func TestPlanSaysWhatIsTrimmed(t *testing.T) {
	for _, c := range []struct {
		name, toml string
		want, not  []string
	}{
		{"python", "language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"requirements.txt\"]\npreset = \"scratch\"\n[run]\nkeep = [\"pandas/tests\"]\n",
			[]string{"trim /opt/venv (stage ", "test suites, docs and examples inside installed distributions, C headers, static libraries, .pyi stubs, C and Cython sources, standard-library extension modules nothing imports, with the libraries only they load\n", "  [run] keep: pandas/tests\n", elfdeps.TrimReportPath},
			[]string{"TypeScript"}},
		{"node", "language = \"node\"\nentrypoint = \"server.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\n",
			[]string{"trim /app (stage ", "TypeScript sources and declarations, source maps, readmes and changelogs\n"},
			[]string{"[run] keep", ".pyi"}},
		{"off", "language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"requirements.txt\"]\n[run]\ntrim = false\n",
			[]string{"trim /opt/venv: off ([run] trim = false)"},
			[]string{"test suites"}},
		{"go", "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\n",
			nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := presettest.Tree(t, map[string]string{"slim.toml": c.toml})
			code, out, errOut := runCLI("plan", "-f", filepath.Join(dir, "slim.toml"))
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("plan lacks %q:\n%s", w, out)
				}
			}
			_, section, found := strings.Cut(out, "\ntrim ") // the step reasons name every kind
			if found != (c.want != nil) {
				t.Errorf("trim section: %v, want %v:\n%s", found, c.want != nil, out)
			}
			for _, n := range c.not {
				if strings.Contains(section, n) {
					t.Errorf("plan has %q:\n%s", n, out)
				}
			}
		})
	}
}
