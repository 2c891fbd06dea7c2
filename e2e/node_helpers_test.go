package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodePresets are the final-image presets the Node examples are built with
// end to end (alpine has no faithful stand-in: golden plan tests only).
var nodePresets = []string{"distroless", "scratch"}

// nodeExpect is the "node" object of a Node example's expect.json.
type nodeExpect struct {
	Present []string `json:"present"` // paths (no leading /) that must be in the image
	Absent  []string `json:"absent"`  // paths that must not be (files, links), nor anything under them
}

func loadNodeExpect(t *testing.T, exampleDir string) nodeExpect {
	t.Helper()
	var doc struct {
		Node nodeExpect `json:"node"`
	}
	b, err := os.ReadFile(filepath.Join(exampleDir, "expect.json"))
	if err == nil {
		err = json.Unmarshal(b, &doc)
	}
	if err != nil {
		t.Fatalf("expect.json of %s: %v", exampleDir, err)
	}
	return doc.Node
}

// nodeExamples lists the Node examples.
func nodeExamples(t *testing.T) []string { return examplesOf(t, "node") }

// nodePackageManagerNames are files and directories of npm, yarn, pnpm and
// corepack that must never reach a final image.
var nodePackageManagerNames = map[string]bool{
	"npm": true, "npx": true, "npm-cli.js": true, "yarn": true, "yarnpkg": true, "yarn.js": true,
	"pnpm": true, "pnpx": true, "pnpm.cjs": true, "corepack": true, "corepack.js": true,
}

// checkNoNodePackageManager fails if any layer holds npm, yarn, pnpm or corepack.
func checkNoNodePackageManager(t *testing.T, im *ociImage) {
	t.Helper()
	var bad []string
	for _, l := range im.Layers {
		for name := range l.Files {
			base := path.Base(name)
			if nodePackageManagerNames[base] || strings.Contains(name, "node_modules/npm/") ||
				strings.Contains(name, "node_modules/corepack/") || strings.HasPrefix(name, "opt/yarn") {
				bad = append(bad, name)
			}
		}
	}
	if len(bad) > 0 {
		if len(bad) > 10 {
			bad = append(bad[:10], "...")
		}
		t.Errorf("package manager files in the final image: %s", strings.Join(bad, ", "))
	}
}

// checkNodePaths checks the example's present/absent paths.
func checkNodePaths(t *testing.T, im *ociImage, ne nodeExpect) {
	t.Helper()
	for _, p := range ne.Present {
		if !im.Has(p) {
			t.Errorf("%s is not in the image", p)
		}
	}
	for _, p := range ne.Absent {
		for _, l := range im.Layers {
			for name, size := range l.Files {
				// an empty directory left by the installer is not a dependency
				_, link := l.Links[name]
				if (name == p && (size > 0 || link)) || strings.HasPrefix(name, p+"/") {
					t.Errorf("%s must not be in the image (dev dependency or build-only file), found %s", p, name)
					break
				}
			}
		}
	}
}

// nodeRuncBin finds runc like container.state does.
func nodeRuncBin(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("runc"); err == nil {
		return p
	}
	if p := filepath.Join(os.Getenv("SLIM_CACHE"), "bin", "runc"); fileExists(p) {
		return p
	}
	t.Fatal("runc not found")
	return ""
}

// checkNodeStopsOnSIGTERM sends SIGTERM to the container's PID 1 (runc kill, as
// `docker stop` does) and fails unless it has exited within the limit.
// It returns the time it took.
func (c *container) checkNodeStopsOnSIGTERM(t *testing.T, limit time.Duration) time.Duration {
	t.Helper()
	if status, _ := c.state(t); status != "running" {
		t.Fatalf("container %s is %q before SIGTERM, want running\n%s", c.Name, status, c.logs())
	}
	start := time.Now()
	if out, err := exec.Command(nodeRuncBin(t), "--root", runcRoot(), "kill", c.Name, "TERM").CombinedOutput(); err != nil {
		t.Fatalf("runc kill %s TERM: %v\n%s", c.Name, err, out)
	}
	for {
		status, _ := c.state(t)
		took := time.Since(start)
		if status != "running" {
			t.Logf("container stopped %s after SIGTERM (status %q)", took.Round(time.Millisecond), status)
			return took
		}
		if took > limit {
			t.Errorf("container %s still running %s after SIGTERM (node as PID 1 ignores SIGTERM without a handler)\n%s", c.Name, limit, c.logs())
			return took
		}
		time.Sleep(50 * time.Millisecond)
	}
}
