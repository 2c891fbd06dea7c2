package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// daemon is a private buildkitd for the benchmark, so "cold" can mean an
// empty cache (prune --all before every cold build) without touching the
// shared buildkitd of hack/env, and other people's builds cannot warm ours.
// It mirrors docker.io and gcr.io to the same local registry as hack/env.
type daemon struct {
	dir     string
	sock    string
	builder string // buildx builder name (remote driver on sock)
	cmd     *exec.Cmd
}

func startDaemon(ctx context.Context, dir, registry string) (*daemon, error) {
	d := &daemon{dir: dir, sock: filepath.Join(dir, "buildkitd.sock"), builder: "slim-bench-" + strconv.Itoa(os.Getpid())}
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`root = %q
insecure-entitlements = ["network.host", "security.insecure"]
[grpc]
  address = ["unix://%s"]
[worker.oci]
  enabled = true
  binary = "runc"
  snapshotter = "overlayfs"
  networkMode = "host"
  gc = true
  maxUsedSpace = "30GB"
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = [%q]
[registry."gcr.io"]
  mirrors = [%q]
[registry.%q]
  http = true
`, filepath.Join(dir, "root"), d.sock, registry, registry, registry)
	confPath := filepath.Join(dir, "buildkitd.toml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "buildkitd.log"))
	if err != nil {
		return nil, err
	}
	d.cmd = exec.Command("buildkitd", "--config", confPath)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start buildkitd: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if exec.CommandContext(ctx, "buildctl", "--addr", "unix://"+d.sock, "debug", "workers").Run() == nil {
			break
		}
		if time.Now().After(deadline) {
			d.stop()
			return nil, fmt.Errorf("private buildkitd did not answer within 60 s; see %s", logf.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
	out, err := exec.CommandContext(ctx, "docker", "buildx", "create", "--name", d.builder, "--driver", "remote", "unix://"+d.sock).CombinedOutput()
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
	out, err := exec.CommandContext(ctx, "buildctl", "--addr", "unix://"+d.sock, "prune", "--all").CombinedOutput()
	if err != nil {
		return fmt.Errorf("buildctl prune --all: %v\n%s", err, out)
	}
	return nil
}

func (d *daemon) pid() int {
	if d == nil || d.cmd == nil || d.cmd.Process == nil {
		return 0
	}
	return d.cmd.Process.Pid
}

// stop removes the buildx builder, stops buildkitd (the process we started,
// by pid) and deletes its state.
func (d *daemon) stop() {
	if d == nil {
		return
	}
	_ = exec.Command("docker", "buildx", "rm", d.builder).Run()
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = d.cmd.Process.Kill()
			<-done
		}
	}
	_ = os.RemoveAll(d.dir)
}
