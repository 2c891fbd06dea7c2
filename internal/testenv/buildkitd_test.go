package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A real buildkitd through StartBuildkitd, Kill, Restart and Stop. It needs
// buildkitd on $PATH (hack/env puts $SLIM_CACHE/bin there) and root; without
// them it skips, unless SLIM_E2E_REQUIRED=1 (CI), where it fails.
func TestStartKillRestartStop(t *testing.T) {
	bin, err := exec.LookPath("buildkitd")
	if err == nil && os.Geteuid() != 0 {
		err = os.ErrPermission
	}
	if err != nil {
		if os.Getenv("SLIM_E2E_REQUIRED") == "1" {
			t.Fatalf("buildkitd cannot run here: %v", err)
		}
		t.Skipf("buildkitd cannot run here (%v); bring up hack/env", err)
	}
	dir := t.TempDir()
	c := Config{Dir: dir, Root: filepath.Join(dir, "root"), Socket: filepath.Join(dir, "bk.sock"), Registry: "127.0.0.1:5000", Bin: bin}
	ctx := context.Background()
	d, err := StartBuildkitd(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	if b, err := os.ReadFile(filepath.Join(dir, "buildkitd.toml")); err != nil || !strings.Contains(string(b), `networkMode = "host"`) {
		t.Errorf("buildkitd.toml not written as rendered: %v\n%s", err, b)
	}
	pid := d.Pid()
	if err := d.Kill(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if BuildkitdUp(ctx, c.Socket) == nil {
		t.Fatal("buildkitd still answers after SIGKILL")
	}
	if err := d.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if d.Pid() == pid || d.Pid() == 0 {
		t.Errorf("Restart: pid %d, was %d", d.Pid(), pid)
	}
	if err := d.Restart(ctx); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("Restart of a running daemon: %v, want a 'still running' error", err)
	}
	if err := d.Stop(); err != nil {
		t.Error(err)
	}
	if d.Pid() != 0 || BuildkitdUp(ctx, c.Socket) == nil {
		t.Errorf("after Stop: pid %d, socket answers: %v", d.Pid(), BuildkitdUp(ctx, c.Socket) == nil)
	}
	if !strings.Contains(d.Log(), "running server") {
		t.Errorf("log has no 'running server' line:\n%s", d.Log())
	}
}

// A binary that exits at once is reported with its log, quickly.
func TestStartBuildkitdThatExits(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake-buildkitd")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'config is broken' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := Config{Dir: dir, Root: filepath.Join(dir, "root"), Socket: filepath.Join(dir, "bk.sock"), Registry: "127.0.0.1:5000", Bin: fake}
	_, err := StartBuildkitd(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "exited while starting") || !strings.Contains(err.Error(), "config is broken") {
		t.Errorf("err = %v, want 'exited while starting' with the log", err)
	}
}
