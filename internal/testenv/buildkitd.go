package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// startTimeout is how long a freshly started buildkitd may take to answer
// (an older release on a loaded 2-core machine takes tens of seconds).
const startTimeout = 90 * time.Second

// Buildkitd is a buildkitd started by StartBuildkitd: a child of the
// calling process, in its own process group, owned by the caller, who must
// call Stop. It is not safe for concurrent Restart/Kill/Stop calls.
type Buildkitd struct {
	Config
	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{} // closed when cmd has exited
	logf *os.File
}

// StartBuildkitd writes c's buildkitd.toml into c.Dir (creating Dir and
// Root), starts c.Bin on it with stdout and stderr appended to
// Dir/buildkitd.log, and waits up to 90 s until it lists its workers. It
// returns the running daemon, or an error (bad Config, binary missing,
// daemon exited or did not answer: with the end of its log), in which case
// nothing is left running.
func StartBuildkitd(ctx context.Context, c Config) (*Buildkitd, error) {
	if err := writeBuildkitdConfig(c); err != nil {
		return nil, err
	}
	d := &Buildkitd{Config: c}
	if err := d.Restart(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// writeBuildkitdConfig creates c.Dir and c.Root and writes
// Dir/buildkitd.toml.
func writeBuildkitdConfig(c Config) error {
	toml, err := c.BuildkitdTOML()
	if err != nil {
		return err
	}
	for _, dir := range []string{c.Dir, c.Root} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("testenv: %w", err)
		}
	}
	if err := os.WriteFile(c.file("buildkitd.toml"), []byte(toml), 0o644); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	return nil
}

// Restart starts the daemon again on the same root, config and log after
// it exited (Kill), and waits up to 90 s until it answers. It returns an
// error if the daemon is still running, or as StartBuildkitd does.
func (d *Buildkitd) Restart(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd != nil {
		select {
		case <-d.exit:
			d.logf.Close()
			d.cmd = nil
		default:
			return fmt.Errorf("testenv: buildkitd (pid %d) is still running; Kill or Stop it first", d.cmd.Process.Pid)
		}
	}
	if err := os.Remove(d.Socket); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("testenv: remove stale socket: %w", err)
	}
	logPath := d.file("buildkitd.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	cmd := exec.Command(d.bin(), "--config", d.file("buildkitd.toml"))
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so Stop can also end the runc processes of a
	// build it was running when it was killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("testenv: start buildkitd %s: %w", d.bin(), err)
	}
	exit := make(chan struct{})
	go func() { cmd.Wait(); close(exit) }()
	d.cmd, d.exit, d.logf = cmd, exit, logf
	exited := func() bool {
		select {
		case <-exit:
			return true
		default:
			return false
		}
	}
	err = waitUntil(ctx, fmt.Sprintf("buildkitd %s (pid %d)", d.bin(), cmd.Process.Pid), startTimeout, logPath, exited,
		func(ctx context.Context) error { return BuildkitdUp(ctx, d.Socket) })
	if err != nil {
		d.stopLocked()
		return fmt.Errorf("testenv: %w", err)
	}
	return nil
}

// Pid returns the daemon's process id, or 0 when it is not running.
func (d *Buildkitd) Pid() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return 0
	}
	return d.cmd.Process.Pid
}

// Kill sends sig to the daemon process only (not its process group) and
// waits up to 30 s for it to exit. It returns an error if the daemon does
// not exit in time; Kill of a daemon that is not running returns nil.
func (d *Buildkitd) Kill(sig syscall.Signal) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return nil
	}
	_ = d.cmd.Process.Signal(sig)
	select {
	case <-d.exit:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("testenv: buildkitd (pid %d) did not exit within 30s of %v", d.cmd.Process.Pid, sig)
	}
}

// Stop ends the daemon (SIGTERM, SIGKILL after 30 s), then whatever is
// left of its process group (runc of a killed build), closes its log and
// unmounts what is left under Root. Root, Dir and the log stay. It returns
// the mount points it could not unmount, or nil; calling it again is a
// no-op.
func (d *Buildkitd) Stop() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stopLocked()
}

func (d *Buildkitd) stopLocked() error {
	if d.cmd != nil {
		pid := d.cmd.Process.Pid
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exit:
		case <-time.After(30 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.exit
		}
		_ = syscall.Kill(-pid, syscall.SIGKILL) // leftovers in its group
		d.logf.Close()
		d.cmd = nil
	}
	_ = os.Remove(d.Socket)
	return UnmountUnder(d.Root)
}

// Log returns the last 6000 bytes of the daemon's log (Dir/buildkitd.log).
func (d *Buildkitd) Log() string { return tailFile(d.file("buildkitd.log"), 6000) }
