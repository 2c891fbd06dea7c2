package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/ocitar"
)

// The apps of the health-check tests: the language's example (its
// dependency manifests), with its source replaced by a server whose
// /healthz answers 200 "ok", or 500 when the container runs with
// HEALTH=fail, and / answers "up" either way.
var healthApps = map[string]struct {
	example, file, source, entry string
	deps                         []string
}{
	"go": {"go-hello", "main.go", `package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if os.Getenv("HEALTH") == "fail" {
			http.Error(w, "sick", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok\n"))
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("up\n")) })
	panic(http.ListenAndServe(":"+os.Getenv("PORT"), nil))
}
`, `"."`, []string{"go.mod"}},
	"python": {"python-flask", "app.py", `import os
from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    if os.environ.get("HEALTH") == "fail":
        return "sick\n", 500
    return "ok\n"


@app.get("/")
def up():
    return "up\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ["PORT"]))
`, `"app.py"`, []string{"requirements.txt"}},
	"node": {"node-hello", "server.js", `'use strict';
const http = require('http');
http.createServer((req, res) => {
  if (req.url === '/healthz' && process.env.HEALTH === 'fail') {
    res.writeHead(500); res.end('sick\n'); return;
  }
  res.end(req.url === '/healthz' ? 'ok\n' : 'up\n');
}).listen(Number(process.env.PORT));
`, `"server.js"`, []string{"package.json", "package-lock.json"}},
}

// healthApp writes the language's health-check app for preset into a temp
// dir, with extra appended to its slim.toml, and returns the dir.
func healthApp(t *testing.T, lang, preset, extra string) string {
	t.Helper()
	a := healthApps[lang]
	dir := copyExample(t, a.example)
	deps := `"` + strings.Join(a.deps, `", "`) + `"`
	writeFiles(t, dir, map[string]string{
		a.file: a.source,
		"slim.toml": fmt.Sprintf("# syntax=org/slimfront\nlanguage = %q\nentrypoint = %s\ndeps = [%s]\npreset = %q\nport = 8080\n%s",
			lang, a.entry, deps, preset, extra),
	})
	return dir
}

// imageConfigOf returns the config of the one image in an OCI tarball
// (single platform, attestations skipped).
func imageConfigOf(t *testing.T, tarball string) dockerspec.DockerOCIImage {
	t.Helper()
	l, err := ocitar.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Images) != 1 {
		t.Fatalf("%s: %d images, want one", tarball, len(l.Images))
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(l.Images[0].ConfigJSON, &img); err != nil {
		t.Fatalf("image config: %v", err)
	}
	return img
}

// exec runs argv in the running container the way Docker runs an exec-form
// health check: `runc exec` of exactly that argv, with the container's own
// user, environment and working directory, killed after timeout (Docker's
// HEALTHCHECK --timeout; a probe that runs out of time is unhealthy). It
// returns the exit code (-1 when killed for the timeout) and the output.
func (c *container) exec(t *testing.T, timeout time.Duration, argv ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, runcBin(t), append([]string{"--root", runcRoot(), "exec", c.Name}, argv...)...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() == context.DeadlineExceeded {
		return -1, string(out) + fmt.Sprintf("(killed after %s)", timeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("runc exec %s %q: %v\n%s", c.Name, argv, err, out)
	}
	return 0, string(out)
}

func runcBin(t *testing.T) string {
	if p, err := exec.LookPath("runc"); err == nil {
		return p
	}
	if p := filepath.Join(os.Getenv("SLIM_CACHE"), "bin", "runc"); fileExists(p) {
		return p
	}
	t.Fatal("runc not found in PATH or $SLIM_CACHE/bin")
	return ""
}

// shells are the paths a shell or busybox could have in an image.
var shells = []string{"bin/sh", "usr/bin/sh", "bin/bash", "usr/bin/bash", "bin/busybox", "busybox/sh", "busybox/busybox"}

// TestHealthcheckRunsInImagesWithoutAShell: for each language on scratch and
// distroless, the image's own health check (from its config) runs inside
// the container as Docker would run it, and tells healthy from unhealthy.
func TestHealthcheckRunsInImagesWithoutAShell(t *testing.T) {
	requireEnv(t)
	const timeout = 3 * time.Second
	for _, lang := range []string{"go", "python", "node"} {
		for _, preset := range []string{"scratch", "distroless"} {
			t.Run(lang+"/"+preset, func(t *testing.T) {
				t.Parallel()
				dir := healthApp(t, lang, preset, "[run.healthcheck]\npath = \"/healthz\"\ninterval = \"5s\"\ntimeout = \"3s\"\nretries = 2\n")
				tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml")

				cfg := imageConfigOf(t, tar)
				h := cfg.Config.Healthcheck
				if h == nil || len(h.Test) < 2 || h.Test[0] != "CMD" {
					t.Fatalf("image config Healthcheck = %+v, want exec form [CMD ...]", h)
				}
				if h.Interval != 5*time.Second || h.Timeout != timeout || h.Retries != 2 {
					t.Errorf("Healthcheck timing %+v, want interval 5s, timeout 3s, retries 2", h)
				}
				argv := h.Test[1:]
				t.Logf("health check: %q", argv)

				ims, err := readOCIImages(tar, nil)
				if err != nil {
					t.Fatal(err)
				}
				im := ims[0]
				for _, s := range shells {
					if im.Has(s) {
						t.Errorf("the image has %s: no shell expected", s)
					}
				}
				probe := strings.TrimPrefix(argv[0], "/")
				var size int64
				for _, l := range im.Layers {
					if n, ok := l.Files[probe]; ok {
						size = n
					}
				}
				t.Logf("probe %s: %d bytes (budget 1,500,000)", argv[0], size)
				if size == 0 || size > 1_500_000 {
					t.Errorf("probe %s is %d bytes, want 1..1,500,000", argv[0], size)
				}

				healthy := runImage(t, tar)
				healthy.get(t, "/")
				healthy.checkUID(t)
				if code, out := healthy.exec(t, timeout, argv...); code != 0 || !strings.Contains(out, " 200 ") {
					t.Errorf("health check of a healthy app: exit %d, output %q; want 0 and the 200 status line", code, out)
				}

				sick := runImage(t, tar, "HEALTH=fail")
				sick.get(t, "/")
				if code, out := sick.exec(t, timeout, argv...); code != 1 || !strings.Contains(out, " 500 ") {
					t.Errorf("health check of an app whose /healthz answers 500: exit %d, output %q; want 1 and the 500 status line", code, out)
				}

				// A stopped app (SIGSTOP: the process is there, nothing
				// answers): unhealthy, by the probe's own exit or Docker's
				// timeout. SIGCONT brings it back to healthy.
				_, pid := healthy.state(t)
				if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
					t.Fatalf("SIGSTOP %d: %v", pid, err)
				}
				code, out := healthy.exec(t, timeout, argv...)
				syscall.Kill(pid, syscall.SIGCONT)
				if code == 0 {
					t.Errorf("health check of a stopped app exited 0: %q", out)
				}
				t.Logf("stopped app: exit %d, %s", code, strings.TrimSpace(out))
				if code, out := healthy.exec(t, timeout, argv...); code != 0 {
					t.Errorf("health check after SIGCONT: exit %d, %q", code, out)
				}
			})
		}
	}
}

// TestHealthcheckProbeOfAClosedPort: when nothing listens on $PORT (the
// app has exited, or listens elsewhere) the probe fails at once with
// "connection refused", exit 1, instead of waiting for a timeout. The image's
// probe runs in its container with PORT pointed at a free port.
func TestHealthcheckProbeOfAClosedPort(t *testing.T) {
	requireEnv(t)
	dir := healthApp(t, "go", "scratch", "[run]\nhealthcheck = \"/healthz\"\n")
	tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml")
	argv := imageConfigOf(t, tar).Config.Healthcheck.Test[1:]
	c := runImage(t, tar)
	c.get(t, "/")
	if code, out := c.exec(t, 10*time.Second, argv...); code != 0 {
		t.Fatalf("probe of the running app: exit %d %q", code, out)
	}
	start := time.Now()
	cmd := exec.Command(runcBin(t), append([]string{"--root", runcRoot(), "exec", "--env", fmt.Sprintf("PORT=%d", freePort(t)), c.Name}, argv...)...)
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(b), "connection refused") {
		t.Errorf("probe of a closed port: %v %q, want exit 1 and connection refused", err, b)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the probe took %s for a refused connection", d)
	}
}

// TestDebugVariantHasBusyboxAndStaysNonRoot: SLIM_DEBUG=1 adds distroless
// :debug's busybox at /busybox, labels the image, and changes neither the
// user nor the entrypoint; the normal build of the same app has no shell.
func TestDebugVariantHasBusyboxAndStaysNonRoot(t *testing.T) {
	requireEnv(t)
	for _, preset := range []string{"scratch", "distroless"} {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			dir := healthApp(t, "go", preset, "")
			tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_DEBUG=1")
			normalTar, _ := mustBuildOCI(t, dir, "-f", "slim.toml")

			cfg := imageConfigOf(t, tar)
			if cfg.Config.User != "65532:65532" || cfg.Config.Labels["dev.slimfront.debug"] != "true" {
				t.Errorf("debug image: user %q, labels %v; want 65532:65532 and dev.slimfront.debug=true", cfg.Config.User, cfg.Config.Labels)
			}
			if !strings.Contains(strings.Join(cfg.Config.Env, " "), ":/busybox") {
				t.Errorf("debug image PATH lacks /busybox: %v", cfg.Config.Env)
			}
			normal := imageConfigOf(t, normalTar)
			if _, ok := normal.Config.Labels["dev.slimfront.debug"]; ok || !slicesEqual(normal.Config.Entrypoint, cfg.Config.Entrypoint) {
				t.Errorf("normal image: labels %v, entrypoint %q (debug %q)", normal.Config.Labels, normal.Config.Entrypoint, cfg.Config.Entrypoint)
			}
			ims, err := readOCIImages(normalTar, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range shells {
				if ims[0].Has(s) {
					t.Errorf("the normal image has %s", s)
				}
			}

			c := runImage(t, tar)
			c.get(t, "/")
			c.checkUID(t)
			code, out := c.exec(t, 10*time.Second, "/busybox/sh", "-c", "id -u; id -g; ls /busybox/sh")
			if code != 0 || !strings.HasPrefix(out, "65532\n65532\n/busybox/sh") {
				t.Errorf("/busybox/sh in the debug image: exit %d, %q; want uid and gid 65532", code, out)
			}
			n := runImage(t, normalTar)
			n.get(t, "/")
			for _, sh := range []string{"/bin/sh", "/busybox/sh"} {
				if code, out := n.exec(t, 10*time.Second, sh, "-c", "true"); code == 0 {
					t.Errorf("%s ran in the normal image: %q", sh, out)
				}
			}
		})
	}
}

func slicesEqual(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

// TestEjectedDockerfileHasTheHealthcheck: `slim dockerfile` renders the
// health check as HEALTHCHECK CMD [...] (exec form) and the probe's COPY
// with $TARGETOS/$TARGETARCH; built by the standard Dockerfile frontend, the
// image carries the same health check, and it passes in the container.
func TestEjectedDockerfileHasTheHealthcheck(t *testing.T) {
	requireEnv(t)
	dir := healthApp(t, "go", "scratch", "[run.healthcheck]\npath = \"/healthz\"\nstart_period = \"5s\"\n")
	df, err := runCmd(2*time.Minute, repoPath(), nil, "go", "run", "./cmd/slim", "dockerfile", "-f", filepath.Join(dir, "slim.toml"))
	if err != nil {
		t.Fatalf("slim dockerfile: %v\n%s", err, df)
	}
	for _, want := range []string{
		`HEALTHCHECK --start-period=5s CMD ["/usr/local/bin/slim-probe","/healthz"]`,
		`COPY --from=slim-probe --chmod=755 ["/usr/libexec/slimfront/$TARGETOS/$TARGETARCH/slim-probe","/usr/local/bin/slim-probe"]`,
	} {
		if !strings.Contains(df, want) {
			t.Fatalf("slim dockerfile lacks %s:\n%s", want, df)
		}
	}
	dfPath := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(dfPath, []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	tar, _ := mustBuildOCI(t, dir, "-f", dfPath)
	h := imageConfigOf(t, tar).Config.Healthcheck
	if h == nil || strings.Join(h.Test, " ") != "CMD /usr/local/bin/slim-probe /healthz" || h.StartPeriod != 5*time.Second {
		t.Fatalf("Healthcheck of the Dockerfile-built image: %+v", h)
	}
	c := runImage(t, tar)
	c.get(t, "/")
	if code, out := c.exec(t, 10*time.Second, h.Test[1:]...); code != 0 {
		t.Errorf("health check in the Dockerfile-built image: exit %d, %q", code, out)
	}
}
