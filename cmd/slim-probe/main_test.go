package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// serve starts an HTTP server on a loopback port that answers /ok 200,
// /redirect 302, /fail 500, and returns the port.
func serve(t *testing.T, network, addr string) string {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s %s here: %v", network, addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusInternalServerError) })
	s := httptest.NewUnstartedServer(mux)
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func TestRun(t *testing.T) {
	port := serve(t, "tcp4", "127.0.0.1:0")
	for _, tc := range []struct {
		args []string
		port string
		want int
	}{
		{[]string{"/ok"}, port, 0},
		{[]string{"/redirect"}, port, 0},
		{[]string{"/ok?verbose=1"}, port, 0},
		{[]string{"/fail"}, port, 1},
		{[]string{"/missing"}, port, 1}, // 404
		{[]string{"ok"}, port, 1},       // not a path
		{[]string{"/ok", "/fail"}, port, 1},
		{[]string{"/o k"}, port, 1},
		{[]string{"/ok"}, "", 1},
		{[]string{"/ok"}, "70000", 1},
	} {
		if got := run(tc.args, tc.port); got != tc.want {
			t.Errorf("run(%q, PORT=%q) = %d, want %d", tc.args, tc.port, got, tc.want)
		}
	}
}

// TestNothingListening: a closed port is unhealthy, not a hang.
func TestNothingListening(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	if got := run([]string{"/ok"}, port); got != 1 {
		t.Errorf("probe of a closed port = %d, want 1", got)
	}
}

// TestIPv6Fallback: an app listening only on [::1] is still probed.
func TestIPv6Fallback(t *testing.T) {
	port := serve(t, "tcp6", "[::1]:0")
	if got := run([]string{"/ok"}, port); got != 0 {
		t.Errorf("probe of an app on [::1] = %d, want 0", got)
	}
}

// TestNotHTTP: a server that answers garbage is unhealthy.
func TestNotHTTP(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH\r\n"))
			c.Close()
		}
	}()
	if got := run([]string{"/ok"}, strconv.Itoa(l.Addr().(*net.TCPAddr).Port)); got != 1 {
		t.Errorf("probe of a non-HTTP server = %d, want 1", got)
	}
}

// TestSize builds the probe as the Dockerfile does and checks the 1.5 MB
// budget (1,500,000 bytes) for both architectures the frontend image ships.
func TestSize(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips compiling the probe twice")
	}
	for _, arch := range []string{"amd64", "arm64"} {
		out := filepath.Join(t.TempDir(), "slim-probe")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", out, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build for %s: %v\n%s", arch, err, b)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("slim-probe linux/%s: %d bytes", arch, fi.Size())
		if fi.Size() > 1_500_000 {
			t.Errorf("slim-probe linux/%s is %d bytes, over the 1,500,000-byte budget", arch, fi.Size())
		}
	}
}
