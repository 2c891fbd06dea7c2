package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// compatVersions are the older buildkitd releases the suite runs the
// frontend on, unless $COMPAT_BUILDKIT_VERSIONS (space-separated, as for
// hack/env.d/extra-compat.sh, which builds them) says otherwise. Keep both
// lists in sync.
//
// Findings (go test -run TestFrontendOnOlderBuildkitd with every release
// on the Go module proxy from v0.12.5 up): all build and run the examples.
// v0.14.1, v0.20.2 and v0.28.1 give the pinned daemon's image digest
// bit for bit. v0.12.5 (the oldest on the proxy) predates the exporter's
// rewrite-timestamp (directory mtimes stay at build time) and drops the
// sticky bit of the 01777 /tmp the scratch preset creates, so it is not
// listed.
var compatVersions = []string{"v0.14.1", "v0.28.1"}

// TestFrontendOnOlderBuildkitd runs the frontend (built against the
// buildkit version in go.mod) on older buildkitd releases, each started
// from $SLIM_CACHE/bin/buildkitd-<version> on a fresh root:
//
//   - go-hello (scratch) builds, runs and passes its expect.json checks,
//     and its /tmp is mode 01777;
//   - a bad slim.toml still fails with the source-mapped error (the
//     `>>>` excerpt needs the daemon to carry the frontend's source info).
//
// It also logs whether the image digest (SOURCE_DATE_EPOCH +
// rewrite-timestamp) equals the pinned daemon's.
func TestFrontendOnOlderBuildkitd(t *testing.T) {
	requireEnv(t)
	versions := compatVersions
	if v := strings.Fields(os.Getenv("COMPAT_BUILDKIT_VERSIONS")); len(v) > 0 {
		versions = v
	}

	// The pinned daemon's digest for comparison.
	app := helloApp(t, "compat")
	epoch := "1700000000"
	mainTar := filepath.Join(t.TempDir(), "main.tar")
	out, err := buildx(t, app, "-f", "slim.toml", "--provenance=false", "--build-arg", "SOURCE_DATE_EPOCH="+epoch,
		"--output", "type=oci,dest="+mainTar+",name=app:latest,rewrite-timestamp=true")
	if err != nil {
		t.Fatalf("build on the pinned daemon failed: %v\n%s", err, out)
	}
	mainDigest := imageDigest(t, mainTar)

	expect := loadExpect(t, app)
	for _, version := range versions {
		t.Run(version, func(t *testing.T) {
			bin := filepath.Join(os.Getenv("SLIM_CACHE"), "bin", "buildkitd-"+version)
			if _, err := os.Stat(bin); err != nil {
				msg := fmt.Sprintf("%s is missing: run hack/env.d/extra-compat.sh (part of hack/env up; COMPAT_BUILDKIT_VERSIONS=%q)", bin, version)
				if os.Getenv("SLIM_E2E_REQUIRED") == "1" {
					t.Fatal(msg)
				}
				t.Skip(msg)
			}
			start := time.Now()
			d := startDaemon(t, bin)
			tar := filepath.Join(t.TempDir(), "img.tar")
			mustBuildOn(t, d, app, "--opt", "build-arg:SOURCE_DATE_EPOCH="+epoch,
				"--output", "type=oci,dest="+tar+",name=app:latest,rewrite-timestamp=true")
			c := runImage(t, tar)
			c.checkServes(t, expect)
			checkTmpSticky(t, tar)
			if got := imageDigest(t, tar); got == mainDigest {
				t.Logf("buildkitd %s: same image digest as the pinned daemon (%s)", version, got)
			} else {
				t.Logf("buildkitd %s: image digest %s differs from the pinned daemon's %s", version, got, mainDigest)
			}

			bad := t.TempDir()
			writeFiles(t, bad, map[string]string{"go.mod": goMod, "main.go": mainGo,
				"slim.toml": syntaxLine + "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"distrolss\"\n"})
			out, err := buildOn(t, d, bad)
			if err == nil {
				t.Fatalf("bad slim.toml built on %s\n%s", version, out)
			}
			if !strings.Contains(out, `slim.toml:5:1: preset: unknown preset "distrolss"`) ||
				!regexp.MustCompile(`(?m)^\s*5 \| >>> preset = "distrolss"`).MatchString(out) {
				t.Errorf("buildkitd %s: error is not source-mapped to slim.toml line 5:\n%s", version, errorReport(out))
			}
			t.Logf("buildkitd %s: all checks in %s", version, time.Since(start).Round(time.Second))
		})
	}
}

// checkTmpSticky checks that /tmp in the image is a 01777 directory.
func checkTmpSticky(t *testing.T, tar string) {
	t.Helper()
	l, err := ocitar.Open(tar)
	if err != nil {
		t.Fatal(err)
	}
	files, err := l.Files(l.Images[0])
	if err != nil {
		t.Fatal(err)
	}
	mode := int64(-1)
	for _, f := range files {
		if strings.TrimSuffix(f.Name, "/") == "tmp" {
			mode = f.Mode & 0o7777
		}
	}
	if mode != 0o1777 {
		t.Errorf("/tmp has mode %#o, want 01777", mode)
	}
}
