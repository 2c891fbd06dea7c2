package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Logf receives progress messages ("starting registry on ...") from Up and
// Down, printf style.
type Logf func(format string, args ...any)

// Up makes sure the registry and buildkitd of c run as detached daemons
// (their own session, surviving the calling process), tracked by pid files
// in c.Dir. A daemon whose pid file names a live process is left alone
// unless its binary was replaced since it started (a rebuilt buildkitd or
// registry): then it is restarted. Otherwise Up writes its config
// (registry.yml, buildkitd.toml), starts it with its log in
// c.Dir/<name>.log and waits until it answers (registry 15 s, buildkitd
// 90 s). The registry runs "registry" from $PATH, buildkitd c.Bin. It
// returns an error when the config is bad, something that is not our
// registry already listens on c.Registry, or a daemon does not answer.
func Up(ctx context.Context, c Config, logf Logf) error {
	if err := c.validateRegistry(); err != nil {
		return err
	}
	if err := c.validateBuildkitd(); err != nil {
		return err
	}
	for _, dir := range []string{c.Dir, c.RegistryData, c.Root} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("testenv: %w", err)
		}
	}
	if err := upRegistry(ctx, c, logf); err != nil {
		return err
	}
	return upBuildkitd(ctx, c, logf)
}

func upRegistry(ctx context.Context, c Config, logf Logf) error {
	up := func(ctx context.Context) error { return RegistryUp(ctx, c.Registry) }
	if running(c, "registry", logf) {
		return waitUntil(ctx, "registry", 10*time.Second, c.file("registry.log"), nil, up)
	}
	if RegistryUp(ctx, c.Registry) == nil {
		return fmt.Errorf("testenv: something else answers on %s (not our registry: %s names no live process); stop it first", c.Registry, c.file("registry.pid"))
	}
	yml, err := c.RegistryYAML()
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.file("registry.yml"), []byte(yml), 0o644); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	logf("starting registry on %s", c.Registry)
	pid, err := spawn(c, "registry", []string{"OTEL_TRACES_EXPORTER=none"}, "registry", "serve", c.file("registry.yml"))
	if err != nil {
		return err
	}
	return waitUntil(ctx, "registry", 15*time.Second, c.file("registry.log"), func() bool { return !alive(pid) }, up)
}

func upBuildkitd(ctx context.Context, c Config, logf Logf) error {
	up := func(ctx context.Context) error { return BuildkitdUp(ctx, c.Socket) }
	if running(c, "buildkitd", logf) {
		return waitUntil(ctx, "buildkitd", 30*time.Second, c.file("buildkitd.log"), nil, up)
	}
	if err := writeBuildkitdConfig(c); err != nil {
		return err
	}
	if err := os.Remove(c.Socket); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("testenv: remove stale socket: %w", err)
	}
	logf("starting buildkitd (%s)", BuildkitdVersion(c.bin()))
	pid, err := spawn(c, "buildkitd", nil, c.bin(), "--config", c.file("buildkitd.toml"))
	if err != nil {
		return err
	}
	return waitUntil(ctx, "buildkitd", startTimeout, c.file("buildkitd.log"), func() bool { return !alive(pid) }, up)
}

// running reports whether c.Dir/<name>.pid names a live process. One whose
// executable was deleted (the binary was rebuilt) is stopped first and
// reported as not running.
func running(c Config, name string, logf Logf) bool {
	pid := pidOf(c, name)
	if pid == 0 {
		return false
	}
	if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err == nil && strings.HasSuffix(exe, " (deleted)") {
		logf("%s binary was rebuilt; restarting it", name)
		stopPid(c, name, logf)
		return false
	}
	return true
}

// pidOf returns the live process named by c.Dir/<name>.pid, or 0.
func pidOf(c Config, name string) int {
	b, err := os.ReadFile(c.file(name + ".pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || !alive(pid) {
		return 0
	}
	return pid
}

// alive reports whether a process pid exists (signal 0 reaches it).
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// spawn starts argv as a detached daemon (new session, stdin /dev/null,
// stdout and stderr to c.Dir/<name>.log, truncated) with extraEnv added
// to the environment, writes its pid to c.Dir/<name>.pid and returns it.
func spawn(c Config, name string, extraEnv []string, argv ...string) (int, error) {
	logf, err := os.Create(c.file(name + ".log"))
	if err != nil {
		return 0, fmt.Errorf("testenv: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), extraEnv...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("testenv: start %s: %w", name, err)
	}
	pid := cmd.Process.Pid
	// Reap it if it dies while we still run, so alive() sees it gone.
	go cmd.Wait()
	if err := os.WriteFile(c.file(name+".pid"), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		_ = cmd.Process.Kill()
		return 0, fmt.Errorf("testenv: %w", err)
	}
	return pid, nil
}

// stopPid ends the process named by c.Dir/<name>.pid (SIGTERM, SIGKILL
// after 15 s) and removes the pid file.
func stopPid(c Config, name string, logf Logf) {
	defer os.Remove(c.file(name + ".pid"))
	pid := pidOf(c, name)
	if pid == 0 {
		return
	}
	logf("stopping %s (pid %d)", name, pid)
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 75 && alive(pid); i++ {
		time.Sleep(200 * time.Millisecond)
	}
	if alive(pid) {
		logf("%s did not exit after SIGTERM; sending SIGKILL", name)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		time.Sleep(500 * time.Millisecond)
	}
}

// Down stops the detached buildkitd and registry of Up (by their pid
// files; nothing else), unmounts what buildkitd left under c.Root and
// removes its socket. Daemons that do not run are skipped. It returns the
// mount points it could not unmount, or nil.
func Down(c Config, logf Logf) error {
	stopPid(c, "buildkitd", logf)
	stopPid(c, "registry", logf)
	var errs []error
	if c.Root != "" {
		errs = append(errs, UnmountUnder(c.Root))
	}
	if c.Socket != "" {
		if err := os.Remove(c.Socket); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Status returns one line per daemon of Up, as `hack/env status` prints
// them ("registry:  running (pid N, http://ADDR)" or "registry:  DOWN",
// the same for buildkitd with its version and socket), and whether both
// run and answer.
func Status(ctx context.Context, c Config) (lines []string, ok bool) {
	ok = true
	if pid := pidOf(c, "registry"); pid != 0 && RegistryUp(ctx, c.Registry) == nil {
		lines = append(lines, fmt.Sprintf("registry:  running (pid %d, http://%s)", pid, c.Registry))
	} else {
		lines, ok = append(lines, "registry:  DOWN"), false
	}
	if pid := pidOf(c, "buildkitd"); pid != 0 && BuildkitdUp(ctx, c.Socket) == nil {
		lines = append(lines, fmt.Sprintf("buildkitd: running (pid %d, %s, %s)", pid, BuildkitdVersion(c.bin()), c.Addr()))
	} else {
		lines, ok = append(lines, "buildkitd: DOWN"), false
	}
	return lines, ok
}

// BuildkitdVersion returns the version the buildkitd binary bin (a path or
// a name in $PATH) reports with --version (its third field, e.g.
// "v0.34.2"), or "unknown version" when it cannot be run.
func BuildkitdVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if f := strings.Fields(string(out)); err == nil && len(f) >= 3 {
		return f[2]
	}
	return "unknown version"
}
