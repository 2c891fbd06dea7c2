package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A daemon whose binary was replaced after it started is stopped and
// reported as not running (so Up restarts it); one whose binary is still
// there is left alone.
func TestRunningRestartsOnlyRebuiltBinaries(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	dir := t.TempDir()
	c := Config{Dir: dir}
	start := func(name string) *exec.Cmd {
		bin := filepath.Join(dir, name)
		b, err := os.ReadFile(sleep)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "60")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go cmd.Wait()
		t.Cleanup(func() { cmd.Process.Kill() })
		if err := os.WriteFile(c.file(name+".pid"), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	var logs []string
	logf := func(f string, a ...any) { logs = append(logs, f) }

	kept := start("kept")
	if !running(c, "kept", logf) || pidOf(c, "kept") != kept.Process.Pid {
		t.Errorf("a live daemon with its binary in place is not running (logs %q)", logs)
	}
	rebuilt := start("rebuilt")
	if err := os.Remove(filepath.Join(dir, "rebuilt")); err != nil {
		t.Fatal(err)
	}
	if running(c, "rebuilt", logf) {
		t.Errorf("a daemon whose binary was deleted is reported running")
	}
	if alive(rebuilt.Process.Pid) {
		t.Errorf("the daemon with the deleted binary (pid %d) was not stopped", rebuilt.Process.Pid)
	}
	if _, err := os.Stat(c.file("rebuilt.pid")); !os.IsNotExist(err) {
		t.Errorf("its pid file is still there: %v", err)
	}
	if !strings.Contains(strings.Join(logs, "\n"), "rebuilt; restarting") {
		t.Errorf("no restart message in %q", logs)
	}
	if running(c, "never-started", logf) {
		t.Error("a daemon without a pid file is reported running")
	}
}
