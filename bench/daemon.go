package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/slimfront/slimfront/internal/testenv"
)

// daemon is a private buildkitd for the benchmark, so "cold" can mean an
// empty cache (prune --all before every cold build) without touching the
// shared buildkitd of hack/env, and other people's builds cannot warm ours.
// It is configured like hack/env's (internal/testenv): docker.io and gcr.io
// mirrored to the same local registry.
type daemon struct {
	dir     string
	bk      *testenv.Buildkitd
	builder string // buildx builder name (remote driver on the daemon's socket)
}

// startDaemon starts buildkitd (from $PATH) in dir (root, socket, config and
// log inside it) mirroring to registry (host:port), and a buildx builder on
// it. It returns the daemon, or an error with nothing left running.
func startDaemon(ctx context.Context, dir, registry string) (*daemon, error) {
	bk, err := testenv.StartBuildkitd(ctx, testenv.Config{
		Dir:      dir,
		Root:     filepath.Join(dir, "root"),
		Socket:   filepath.Join(dir, "buildkitd.sock"),
		Registry: registry,
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("private buildkitd: %w", err)
	}
	d := &daemon{dir: dir, bk: bk, builder: "slim-bench-" + strconv.Itoa(os.Getpid())}
	out, err := exec.CommandContext(ctx, "docker", "buildx", "create", "--name", d.builder, "--driver", "remote", bk.Addr()).CombinedOutput()
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("docker buildx create: %v\n%s", err, out)
	}
	if out, err := exec.CommandContext(ctx, "docker", "buildx", "inspect", "--bootstrap", d.builder).CombinedOutput(); err != nil {
		d.stop()
		return nil, fmt.Errorf("docker buildx inspect --bootstrap: %v\n%s", err, out)
	}
	return d, nil
}

// prune empties the private daemon's cache: build results, cache mounts and
// pulled base images.
func (d *daemon) prune(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "buildctl", "--addr", d.bk.Addr(), "prune", "--all").CombinedOutput()
	if err != nil {
		return fmt.Errorf("buildctl prune --all: %v\n%s", err, out)
	}
	return nil
}

// pid returns the buildkitd process id, 0 when it does not run.
func (d *daemon) pid() int {
	if d == nil || d.bk == nil {
		return 0
	}
	return d.bk.Pid()
}

// stop removes the buildx builder, stops buildkitd (the process we started)
// and deletes its state. Calling it twice is harmless.
func (d *daemon) stop() {
	if d == nil {
		return
	}
	_ = exec.Command("docker", "buildx", "rm", d.builder).Run()
	if d.bk != nil {
		_ = d.bk.Stop()
	}
	_ = os.RemoveAll(d.dir)
}
