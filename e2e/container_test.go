package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	portMu sync.Mutex
	// Each test process starts at its own offset so concurrent `go test`
	// runs on one machine (containers share the host network) do not hand
	// out the same port.
	nextPort = 18080 + (os.Getpid()%40)*20
	nameSeq  int
)

// freePort returns a loopback TCP port unused so far by this test process
// and currently free on the host (containers share the host network).
func freePort(t *testing.T) int {
	t.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	for ; nextPort < 19900; nextPort++ {
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", nextPort))
		if err != nil {
			continue
		}
		l.Close()
		nextPort++
		return nextPort - 1
	}
	t.Fatal("no free port in 18080-19899")
	return 0
}

// container is an image started by hack/run-image.
type container struct {
	Name string
	Port int
}

// runImage starts the OCI tarball with hack/run-image on a fresh port (passed
// as PORT) plus env, and stops it when the test ends.
func runImage(t *testing.T, ociTar string, env ...string) *container {
	t.Helper()
	port := freePort(t)
	portMu.Lock()
	nameSeq++
	name := fmt.Sprintf("e2e-%d-%d", os.Getpid(), nameSeq)
	portMu.Unlock()
	args := append([]string{ociTar, name, "PORT=" + strconv.Itoa(port)}, env...)
	cmd := exec.Command(repoPath("hack", "run-image"), args...)
	cmd.Env = os.Environ()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.WaitDelay = 10 * time.Second
	outb, err := cmd.Output()
	out := strings.TrimSpace(string(outb))
	if fields := strings.Fields(out); len(fields) > 0 {
		name = fields[len(fields)-1] // the script prints the container name last
	}
	t.Cleanup(func() {
		if o, err := runCmd(time.Minute, "", nil, repoPath("hack", "stop-image"), name); err != nil {
			t.Logf("hack/stop-image %s: %v\n%s", name, err, o)
		}
	})
	if err != nil {
		t.Fatalf("hack/run-image %s %s: %v\nstdout: %s\nstderr: %s", ociTar, name, err, out, stderr.String())
	}
	t.Logf("started container %s on port %d", name, port)
	return &container{Name: name, Port: port}
}

func runcRoot() string { return filepath.Join(os.Getenv("SLIM_CACHE"), "run", "runc") }

// state returns `runc state` of the container (status, pid, ...).
func (c *container) state(t *testing.T) (status string, pid int) {
	t.Helper()
	runc, err := exec.LookPath("runc")
	if err != nil {
		if p := filepath.Join(os.Getenv("SLIM_CACHE"), "bin", "runc"); fileExists(p) {
			runc = p
		} else {
			t.Fatalf("runc not found in PATH: %v", err)
		}
	}
	out, err := exec.Command(runc, "--root", runcRoot(), "state", c.Name).Output()
	if err != nil {
		t.Fatalf("runc state %s: %v\n%s", c.Name, err, exitStderr(err))
	}
	var st struct {
		Status string `json:"status"`
		Pid    int    `json:"pid"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("runc state %s: %v\n%s", c.Name, err, out)
	}
	return st.Status, st.Pid
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// checkUID checks that the container's main process runs as uid 65532
// (real, effective, saved and filesystem uids).
func (c *container) checkUID(t *testing.T) {
	t.Helper()
	status, pid := c.state(t)
	if status != "running" || pid == 0 {
		t.Errorf("container %s is %q (pid %d), want running\n%s", c.Name, status, pid, c.logs())
		return
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if uids, ok := strings.CutPrefix(sc.Text(), "Uid:"); ok {
			for _, u := range strings.Fields(uids) {
				if u != "65532" {
					t.Errorf("process %d of %s runs with Uid:%s, want 65532 everywhere", pid, c.Name, uids)
					return
				}
			}
			t.Logf("pid %d Uid:%s", pid, uids)
			return
		}
	}
	t.Errorf("no Uid line in /proc/%d/status", pid)
}

// logs returns whatever container output hack/run-image left behind.
func (c *container) logs() string {
	cache := os.Getenv("SLIM_CACHE")
	var b strings.Builder
	for _, pat := range []string{
		filepath.Join(cache, "run", c.Name+"*.log"),
		filepath.Join(cache, "run", c.Name, "*.log"),
		filepath.Join(cache, "work", "run", c.Name, "*.log"),
		filepath.Join(cache, "work", "run", c.Name+"*.log"),
	} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			data, _ := os.ReadFile(f)
			if len(data) > 8000 {
				data = data[len(data)-8000:]
			}
			fmt.Fprintf(&b, "----- %s -----\n%s\n", f, data)
		}
	}
	if b.Len() == 0 {
		return "(no container log found)"
	}
	return b.String()
}

// get polls GET http://127.0.0.1:<port><path> for up to 10 s until it answers
// 200, and returns the body.
func (c *container) get(t *testing.T, path string) string {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d%s", c.Port, path)
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if rerr == nil && resp.StatusCode == http.StatusOK {
				return string(body)
			}
			last = fmt.Sprintf("status %s, body %q, read error %v", resp.Status, body, rerr)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s did not answer 200 within 10s: %s\n%s", url, last, c.logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkServes runs the HTTP checks of an example's expect.json.
func (c *container) checkServes(t *testing.T, e expectation) {
	t.Helper()
	body := c.get(t, e.Path)
	if !strings.Contains(body, e.Contains) {
		t.Errorf("GET %s = %q, want it to contain %q", e.Path, body, e.Contains)
	}
	for _, chk := range e.ExtraChecks {
		body := c.get(t, chk.Path)
		re, err := regexp.Compile(chk.Match)
		if err != nil {
			t.Fatalf("expect.json check %s: %v", chk.Path, err)
		}
		if !re.MatchString(body) {
			t.Errorf("GET %s = %q, want it to match %s", chk.Path, body, chk.Match)
		}
	}
}
