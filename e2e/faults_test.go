package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slimfront/slimfront/internal/ocitar"
	"github.com/slimfront/slimfront/internal/testenv"
)

// ---------------------------------------------------------------------------
// A second buildkitd, started by the test through internal/testenv: its own
// root, socket and config (the same settings as the main one, so it mirrors
// docker.io and gcr.io to the local registry the same way). Used by the
// fault tests and by the compatibility test.

// startDaemon starts bin (a buildkitd binary) on a fresh root and stops it,
// unmounts what it left and deletes its root when the test ends.
func startDaemon(t *testing.T, bin string) *testenv.Buildkitd {
	t.Helper()
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("buildkitd binary: %v", err)
	}
	dir := t.TempDir()
	// Unix socket paths are limited to 107 bytes: keep it short.
	sockDir, err := os.MkdirTemp("", "bk")
	if err != nil {
		t.Fatal(err)
	}
	d, err := testenv.StartBuildkitd(context.Background(), testenv.Config{
		Dir:      dir,
		Root:     filepath.Join(dir, "root"),
		Socket:   filepath.Join(sockDir, "buildkitd.sock"),
		Registry: os.Getenv("SLIM_REGISTRY"),
		Bin:      bin,
	})
	if err != nil {
		os.RemoveAll(sockDir)
		t.Fatal(err)
	}
	t.Logf("%s is up (pid %d, root %s)", filepath.Base(bin), d.Pid(), d.Root)
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Logf("stopping %s: %v", filepath.Base(bin), err)
		}
		os.RemoveAll(sockDir)
	})
	return d
}

func buildctlBin() string { return filepath.Join(os.Getenv("SLIM_CACHE"), "bin", "buildctl") }

// buildctlArgs is a `buildctl build` of the slim.toml in dir through the
// dockerfile frontend, which forwards to org/slimfront because of the
// `# syntax=` line, exactly as `docker buildx build -f slim.toml` does.
func buildctlArgs(d *testenv.Buildkitd, dir string, extra ...string) []string {
	return append([]string{"--addr", d.Addr(), "build", "--progress=plain",
		"--frontend", "dockerfile.v0", "--opt", "filename=slim.toml",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir}, extra...)
}

// buildOn runs buildctl against d, holding a build slot.
func buildOn(t *testing.T, d *testenv.Buildkitd, dir string, extra ...string) (string, error) {
	t.Helper()
	buildSlots <- struct{}{}
	defer func() { <-buildSlots }()
	args := buildctlArgs(d, dir, extra...)
	t.Logf("buildctl %s", strings.Join(args, " "))
	start := time.Now()
	out, err := runCmd(buildTimeout, dir, nil, buildctlBin(), args...)
	t.Logf("build took %s", time.Since(start).Round(time.Millisecond))
	return out, err
}

func mustBuildOn(t *testing.T, d *testenv.Buildkitd, dir string, extra ...string) string {
	t.Helper()
	out, err := buildOn(t, d, dir, extra...)
	if err != nil {
		t.Fatalf("build on %s failed: %v\n----- buildctl output -----\n%s\n----- buildkitd log -----\n%s", filepath.Base(d.Bin), err, out, d.Log())
	}
	return out
}

// ---------------------------------------------------------------------------
// Test apps.

// helloApp copies go-hello and makes its greeting say tag, so builds of
// different copies are different builds.
func helloApp(t *testing.T, tag string) string {
	t.Helper()
	dir := copyExample(t, "go-hello")
	p := filepath.Join(dir, "main.go")
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	n := bytes.Replace(src, []byte(`"hello from slimfront (uid %d)\n"`), []byte(`"hello from slimfront `+tag+` (uid %d)\n"`), 1)
	if bytes.Equal(n, src) {
		t.Fatal("go-hello's greeting changed: update helloApp")
	}
	if err := os.WriteFile(p, n, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// slowApp is helloApp plus a generated 2 MB Go file, unique to this call,
// whose compile takes several seconds: long enough to interrupt the
// `go build` step reliably, and never satisfied from Go's build cache.
func slowApp(t *testing.T) string {
	t.Helper()
	nonce := randHex(8)
	dir := helloApp(t, "slow-"+nonce)
	var b strings.Builder
	fmt.Fprintf(&b, "package main\n\nvar slowSink = %q\n\nvar sink int\n\n", nonce)
	const n = 15000
	for i := range n {
		fmt.Fprintf(&b, "func f%d(x int) int {\n\tswitch x %% 7 {\n\tcase 0:\n\t\treturn x*%d + 1\n\tcase 1:\n\t\treturn x ^ %d\n\tdefault:\n\t\treturn x + %d\n\t}\n}\n\n", i, i, i, i)
	}
	b.WriteString("func init() {\n")
	for i := range n {
		fmt.Fprintf(&b, "\tsink += f%d(sink)\n", i)
	}
	b.WriteString("}\n")
	writeFiles(t, dir, map[string]string{"slow.go": b.String()})
	return dir
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// interruptible is a build whose output is streamed while it runs.
type interruptible struct {
	cmd     *exec.Cmd
	started chan struct{} // closed when a line matched the start pattern
	exited  chan struct{} // closed when the command has exited (cmd.ProcessState is set)
	mu      sync.Mutex
	buf     strings.Builder
}

func (b *interruptible) output() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// startInterruptible starts name args (a build) in dir and watches its
// output for a line matching started.
func startInterruptible(t *testing.T, dir string, started *regexp.Regexp, name string, args ...string) *interruptible {
	t.Helper()
	b := &interruptible{cmd: exec.Command(name, args...), started: make(chan struct{}), exited: make(chan struct{})}
	b.cmd.Dir = dir
	b.cmd.Env = os.Environ()
	pr, pw := io.Pipe()
	b.cmd.Stdout, b.cmd.Stderr = pw, pw
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		seen := false
		for sc.Scan() {
			b.mu.Lock()
			b.buf.WriteString(sc.Text() + "\n")
			b.mu.Unlock()
			if !seen && started.MatchString(sc.Text()) {
				seen = true
				close(b.started)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	t.Logf("%s %s", name, strings.Join(args, " "))
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		b.cmd.Wait()
		pw.Close()
		<-scanned
		close(b.exited)
	}()
	t.Cleanup(func() {
		b.cmd.Process.Kill()
		<-b.exited
	})
	return b
}

// waitStarted waits for the start pattern; it fails the test if the
// command exits first or nothing happens within d.
func (b *interruptible) waitStarted(t *testing.T, d time.Duration, what string) {
	t.Helper()
	select {
	case <-b.started:
	case <-b.exited:
		t.Fatalf("the build ended before %s started:\n%s", what, b.output())
	case <-time.After(d):
		t.Fatalf("%s did not start within %s\n%s", what, d, b.output())
	}
}

// signalAndWait sends sig and waits for the command to exit.
func (b *interruptible) signalAndWait(t *testing.T, sig syscall.Signal, d time.Duration) {
	t.Helper()
	b.cmd.Process.Signal(sig)
	select {
	case <-b.exited:
	case <-time.After(d):
		b.cmd.Process.Kill()
		<-b.exited
		t.Errorf("%s did not exit within %s of %v", filepath.Base(b.cmd.Path), d, sig)
	}
}

// goBuildStarted matches the progress line of the go build step starting.
var goBuildStarted = regexp.MustCompile(`^#\d+ \[build \d+/\d+\] RUN go build`)

// ---------------------------------------------------------------------------
// The tests.

// TestFaultsFourParallelBuildsOnOneDaemon starts four builds of four
// different apps at once on the main daemon (bypassing the suite's
// two-build limit on purpose) and checks that each succeeds and that each
// image serves its own greeting: no cross-talk through shared cache mounts.
func TestFaultsFourParallelBuildsOnOneDaemon(t *testing.T) {
	requireEnv(t)
	run := randHex(4)
	type build struct {
		tag, dir, tar, out string
		err                error
		took               time.Duration
	}
	builds := make([]*build, 4)
	for i := range builds {
		tag := fmt.Sprintf("parallel-%s-%d", run, i)
		builds[i] = &build{tag: tag, dir: helloApp(t, tag), tar: filepath.Join(t.TempDir(), "img.tar")}
	}
	var wg sync.WaitGroup
	start := time.Now()
	for _, b := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			b.out, b.err = runCmd(buildTimeout, b.dir, nil, "docker", "buildx", "build", "--progress=plain",
				"-f", "slim.toml", "--output", "type=oci,dest="+b.tar+",name=app:latest", b.dir)
			b.took = time.Since(t0)
		}()
	}
	wg.Wait()
	t.Logf("4 parallel builds took %s", time.Since(start).Round(time.Millisecond))
	for i, b := range builds {
		if b.err != nil {
			t.Fatalf("build %d (%s) failed after %s: %v\n%s", i, b.tag, b.took, b.err, b.out)
		}
		t.Logf("build %d took %s", i, b.took.Round(time.Millisecond))
	}
	for _, b := range builds {
		c := runImage(t, b.tar)
		if body := c.get(t, "/"); !strings.Contains(body, "hello from slimfront "+b.tag+" ") {
			t.Errorf("image of %s answers %q", b.tag, body)
		}
	}
}

// TestFaultsCacheAndReproducibilityAcrossDaemons exports the build cache of
// an app from the main daemon to the local registry (mode=max), then on a
// fresh buildkitd (new root, nothing cached):
//
//   - importing that cache makes the go build step CACHED;
//   - the image has the same digest as the main daemon's, and so does a
//     --no-cache rebuild there (every step re-run on another root): with
//     SOURCE_DATE_EPOCH and rewrite-timestamp the build is reproducible
//     across daemons, not only on one;
//   - buildkitd killed with SIGKILL in the middle of a go build and
//     restarted on the same root builds the app again.
func TestFaultsCacheAndReproducibilityAcrossDaemons(t *testing.T) {
	requireEnv(t)
	tag := "cache-" + randHex(4)
	dir := helloApp(t, tag)
	cacheRef := os.Getenv("SLIM_REGISTRY") + "/cache/slimfront-faults:" + tag
	epoch := []string{"--build-arg", "SOURCE_DATE_EPOCH=1700000000"}

	mainTar := filepath.Join(t.TempDir(), "main.tar")
	out, err := buildx(t, dir, append(epoch, "-f", "slim.toml", "--provenance=false",
		"--cache-to", "type=registry,ref="+cacheRef+",mode=max",
		"--output", "type=oci,dest="+mainTar+",name=app:latest,rewrite-timestamp=true")...)
	if err != nil {
		t.Fatalf("main daemon build with --cache-to failed: %v\n%s", err, out)
	}
	mainDigest := imageDigest(t, mainTar)
	t.Logf("main daemon: %s", mainDigest)

	d := startDaemon(t, filepath.Join(os.Getenv("SLIM_CACHE"), "bin", "buildkitd"))
	ctlEpoch := []string{"--opt", "build-arg:SOURCE_DATE_EPOCH=1700000000"}
	ociOut := func(p string) []string {
		return []string{"--output", "type=oci,dest=" + p + ",name=app:latest,rewrite-timestamp=true"}
	}

	t.Run("cache_import_on_fresh_daemon", func(t *testing.T) {
		tar := filepath.Join(t.TempDir(), "img.tar")
		out := mustBuildOn(t, d, dir, append(append(ctlEpoch, "--import-cache", "type=registry,ref="+cacheRef), ociOut(tar)...)...)
		vs := parseProgress(out)
		gb := findStep(t, vs, "RUN go build", out)
		if !gb.Cached {
			t.Errorf("go build step was not CACHED on the fresh daemon: %s\n----- buildctl output -----\n%s", gb, out)
		}
		for _, v := range buildSteps(vs) {
			// The start check reads the image and produces nothing the
			// image holds, so no exported cache has it: it runs again
			// (in well under a second) on a daemon that did not build.
			if strings.HasPrefix(v.Name, "[startcheck ") {
				continue
			}
			if strings.Contains(v.Name, "RUN ") && !v.Cached {
				t.Errorf("step ran instead of coming from the imported cache: %s", v)
			}
		}
		if got := imageDigest(t, tar); got != mainDigest {
			t.Errorf("image from the imported cache is %s, main daemon's is %s", got, mainDigest)
		}
	})

	t.Run("same_digest_after_no_cache_rebuild_on_other_daemon", func(t *testing.T) {
		tar := filepath.Join(t.TempDir(), "img.tar")
		out := mustBuildOn(t, d, dir, append(append(ctlEpoch, "--no-cache"), ociOut(tar)...)...)
		if gb := findStep(t, parseProgress(out), "RUN go build", out); gb.Cached {
			t.Errorf("--no-cache: go build step was cached: %s", gb)
		}
		if got := imageDigest(t, tar); got != mainDigest {
			a, _ := ocitar.Open(mainTar)
			b, _ := ocitar.Open(tar)
			t.Errorf("not reproducible across daemons: %s (fresh daemon, --no-cache) vs %s (main daemon)\nlayers: %v\nvs      %v",
				got, mainDigest, layersOf(b), layersOf(a))
		}
	})

	t.Run("sigkill_mid_build_then_restart", func(t *testing.T) {
		slow := slowApp(t)
		b := startInterruptible(t, slow, goBuildStarted, buildctlBin(), buildctlArgs(d, slow)...)
		b.waitStarted(t, 5*time.Minute, "the go build step")
		time.Sleep(time.Second) // mid-compile
		t.Logf("SIGKILL buildkitd (pid %d) during the go build step", d.Pid())
		if err := d.Kill(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-b.exited
		if b.cmd.ProcessState.Success() {
			t.Fatalf("the build survived the daemon's SIGKILL?\n%s", b.output())
		}
		t.Logf("buildctl after the daemon died:\n%s", tail(b.output(), 6))
		if err := d.Restart(context.Background()); err != nil {
			t.Fatal(err)
		}
		tar := filepath.Join(t.TempDir(), "img.tar")
		mustBuildOn(t, d, slow, ociOut(tar)...)
		c := runImage(t, tar)
		if body := c.get(t, "/"); !strings.Contains(body, "hello from slimfront slow-") {
			t.Errorf("image built after the restart answers %q", body)
		}
	})
}

// TestFaultsCancelledBuildLeavesDaemonHealthy interrupts a build on the
// main daemon during the go build step, and checks that the daemon still
// answers and builds the same app right after (the interrupted step left no
// cache record behind):
//
//   - sigint: Ctrl-C to `docker buildx build` (buildx cancels the solve);
//   - sigkill: the standalone buildx binary killed outright, so nothing
//     cancels anything: the daemon only sees the session go away. (SIGKILL
//     to the `docker` CLI would not do: its buildx plugin process notices
//     and cancels gracefully.)
func TestFaultsCancelledBuildLeavesDaemonHealthy(t *testing.T) {
	requireEnv(t)
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		argv []string
	}{
		{"sigint", syscall.SIGINT, []string{"docker", "buildx", "build"}},
		{"sigkill", syscall.SIGKILL, []string{filepath.Join(os.Getenv("SLIM_CACHE"), "bin", "buildx"), "build"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig := tc.sig
			dir := slowApp(t)
			buildSlots <- struct{}{}
			b := startInterruptible(t, dir, goBuildStarted, tc.argv[0], append(tc.argv[1:], "--progress=plain",
				"-f", "slim.toml", "--output", "type=cacheonly", dir)...)
			b.waitStarted(t, 5*time.Minute, "the go build step")
			time.Sleep(time.Second)
			t.Logf("%v to the client (pid %d) during the go build step", sig, b.cmd.Process.Pid)
			b.signalAndWait(t, sig, 30*time.Second)
			<-buildSlots
			if b.cmd.ProcessState.Success() {
				t.Fatalf("the interrupted build succeeded?\n%s", b.output())
			}
			t.Logf("client output after %v:\n%s", sig, tail(b.output(), 4))
			if out, err := runCmd(30*time.Second, "", nil, buildctlBin(), "debug", "workers"); err != nil {
				t.Fatalf("daemon does not answer after the cancelled build: %v\n%s", err, out)
			}
			tar, out := mustBuildOCI(t, dir, "-f", "slim.toml")
			if gb := findStep(t, parseProgress(out), "RUN go build", out); gb.Cached {
				t.Errorf("the cancelled go build step left a cache record: %s", gb)
			}
			c := runImage(t, tar)
			if body := c.get(t, "/"); !strings.Contains(body, "hello from slimfront slow-") {
				t.Errorf("image answers %q", body)
			}
		})
	}
}

// TestFaultsUnreachableBaseImageFailsFast asks for a Go version whose
// builder image is not in the registry: the build must fail within 10 s
// (no retry loop, no hang) naming the missing image.
func TestFaultsUnreachableBaseImageFailsFast(t *testing.T) {
	requireEnv(t)
	dir := helloApp(t, "unreachable")
	start := time.Now()
	out, err := buildx(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_VERSION=1.99", "--output", "type=cacheonly")
	took := time.Since(start)
	if err == nil {
		t.Fatalf("build with golang:1.99 succeeded?\n%s", out)
	}
	report := errorReport(out)
	t.Logf("failed in %s:\n%s", took.Round(time.Millisecond), strings.TrimSpace(report))
	if took > 10*time.Second {
		t.Errorf("took %s to fail; want < 10s", took)
	}
	if !strings.Contains(report, "golang:1.99") || !strings.Contains(report, "not found") {
		t.Errorf("error does not name the missing image golang:1.99:\n%s", report)
	}
}

func imageDigest(t *testing.T, tar string) string {
	t.Helper()
	l, err := ocitar.Open(tar)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Images) != 1 {
		t.Fatalf("%s holds %d images, want 1", tar, len(l.Images))
	}
	return l.Images[0].Digest
}

func layersOf(l *ocitar.Layout) any {
	if l == nil || len(l.Images) == 0 {
		return nil
	}
	return l.Images[0].Layers
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
