package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourcelessFlask builds examples/python-flask with [run] sourceless =
// true on scratch and distroless: the venv's packages are bytecode only
// (flask/__init__.pyc, no flask/__init__.py, no __pycache__ in
// site-packages), the closure's JSON line counts the sources left out, the
// image is smaller than the default one by about those bytes, and the app
// still answers (its imports go through SourcelessFileLoader). The app's
// own app.py stays: only the venv is sourceless. On scratch it is within
// issue 17's goal for Flask, 33 MB.
func TestSourcelessFlask(t *testing.T) {
	requireEnv(t)
	e := loadExpect(t, repoPath("examples", "python-flask"))
	for _, base := range []string{"scratch", "distroless"} {
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, "python-flask")
			plain, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+base)
			toml := filepath.Join(dir, "slim.toml")
			if err := os.WriteFile(toml, append(mustRead(t, toml), "\n[run]\nsourceless = true\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
			tar, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+base, "--no-cache-filter", "libs") // the closure runs, so its line is in the log
			m := closureLineRE.FindAllStringSubmatch(out, -1)
			if len(m) == 0 {
				t.Fatalf("no closure line:\n%s", tail(out, 40))
			}
			var line struct {
				Sourceless *struct {
					Files int   `json:"files"`
					Bytes int64 `json:"bytes"`
				} `json:"sourceless"`
			}
			if err := json.Unmarshal([]byte(m[len(m)-1][1]), &line); err != nil || line.Sourceless == nil || line.Sourceless.Files < 100 {
				t.Fatalf("closure line without a sourceless count (err %v): %s", err, m[len(m)-1][1])
			}
			ims, err := readOCIImages(tar, nil)
			if err != nil || len(ims) != 1 {
				t.Fatalf("images: %v (%d)", err, len(ims))
			}
			files := allFiles(ims[0])
			for _, want := range []string{sitePackages + "flask/__init__.pyc", sitePackages + "werkzeug/serving.pyc", "app/app.py"} {
				if !files[want] {
					t.Errorf("the image has no %s", want)
				}
			}
			py := 0
			for name := range files {
				if strings.HasPrefix(name, sitePackages) && strings.Contains(name, "/__pycache__/") {
					t.Errorf("bytecode cache left in the sourceless venv: %s", name)
				}
				if strings.HasPrefix(name, sitePackages) && strings.HasSuffix(name, ".py") && files[name+"c"] {
					t.Errorf("%s is in the image beside its bytecode", name)
				}
				if strings.HasPrefix(name, sitePackages) && strings.HasSuffix(name, ".py") {
					py++
				}
			}
			pims, err := readOCIImages(plain, nil)
			if err != nil || len(pims) != 1 {
				t.Fatalf("images: %v (%d)", err, len(pims))
			}
			a, b := pims[0].UncompressedSize(), ims[0].UncompressedSize()
			t.Logf("python-flask on %s: %.2f MB, sourceless %.2f MB (%d sources, %.2f MB, left out; %d .py without bytecode stay)",
				base, float64(a)/1e6, float64(b)/1e6, line.Sourceless.Files, float64(line.Sourceless.Bytes)/1e6, py)
			if a-b < line.Sourceless.Bytes/2 {
				t.Errorf("sourceless image %d bytes, default %d: it should be smaller by about the %d bytes of sources", b, a, line.Sourceless.Bytes)
			}
			if base == "scratch" && b > 33_000_000 {
				t.Errorf("python-flask sourceless on scratch is %d bytes, over issue 17's 33 MB", b)
			}
			runImage(t, tar).checkServes(t, e)
		})
	}
}
