// Command slim-probe is the health check slimfront puts into images whose
// descriptor has `[run] healthcheck = "/path"`: those images have no shell,
// curl or wget, so the Docker HEALTHCHECK (exec form) runs this program.
//
//	slim-probe PATH
//
// It sends one `GET PATH HTTP/1.0` to 127.0.0.1:$PORT (PORT from the
// environment, as slimfront's images set it and the container runtime passes
// it to health checks), falling back to [::1]:$PORT when nothing listens on
// the IPv4 loopback, and exits 0 when the status code is 2xx or 3xx,
// otherwise 1 (Docker: 0 healthy, 1 unhealthy; 2 is reserved and never
// used). It prints one line, which Docker keeps as the health check's
// output: "GET http://127.0.0.1:8080/healthz: HTTP/1.0 200 OK".
//
// It never leaves the loopback interface, follows no redirects and reads
// only the status line. Sending and receiving each time out after
// timeoutSeconds, longer than Docker's default 30 s health-check timeout, so
// the runtime's own timeout (HEALTHCHECK --timeout) decides.
//
// It is deliberately built on the syscall package alone (no net, net/http
// or fmt), so the static binary stays well under 1.5 MB on every target:
// the Dockerfile builds it with CGO_ENABLED=0 -ldflags="-s -w" for
// linux/amd64 and linux/arm64 into the frontend image, and plans copy the
// target's one into the final image.
package main

import (
	"os"
	"strconv"
	"syscall"
)

// timeoutSeconds bounds each send and receive (SO_SNDTIMEO, SO_RCVTIMEO).
const timeoutSeconds = 60

func main() {
	os.Exit(run(os.Args[1:], os.Getenv("PORT")))
}

// Version is set at link time (-X main.Version=...).
var Version = "dev"

// usage is what -h prints.
const usage = `usage: slim-probe /PATH

GETs http://127.0.0.1:$PORT/PATH (then [::1]) once, prints the status line
and exits; the health check slimfront puts into images without a shell.

Example (as a Docker health check runs it):
  PORT=8080 slim-probe /healthz

Exit codes: 0 the answer is 2xx or 3xx, 1 anything else (unhealthy), 2 is never used.`

// run probes path on the loopback port and returns the exit code.
func run(args []string, portEnv string) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		say(usage)
		return 0
	}
	if len(args) == 1 && (args[0] == "-version" || args[0] == "--version") {
		say("slim-probe " + Version)
		return 0
	}
	if len(args) != 1 || len(args[0]) == 0 || args[0][0] != '/' {
		say(usage)
		return 1
	}
	path := args[0]
	for i := 0; i < len(path); i++ {
		if path[i] <= ' ' || path[i] == 0x7f {
			say("slim-probe: the path must not contain spaces or control characters")
			return 1
		}
	}
	port, err := strconv.Atoi(portEnv)
	if err != nil || port < 1 || port > 65535 {
		say("slim-probe: $PORT is " + strconv.Quote(portEnv) + ", want the app's port (1-65535)")
		return 1
	}
	url := "http://127.0.0.1:" + portEnv + path
	fd, errno := dial4(port)
	if errno == syscall.ECONNREFUSED || errno == syscall.EADDRNOTAVAIL {
		if fd6, errno6 := dial6(port); errno6 == nil {
			fd, errno, url = fd6, nil, "http://[::1]:"+portEnv+path
		}
	}
	if errno != nil {
		say("GET " + url + ": " + errno.Error())
		return 1
	}
	defer syscall.Close(fd)
	req := "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1:" + portEnv + "\r\nUser-Agent: slim-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if err := writeAll(fd, []byte(req)); err != nil {
		say("GET " + url + ": sending the request: " + err.Error())
		return 1
	}
	line, err := statusLine(fd)
	if err != nil {
		say("GET " + url + ": reading the response: " + err.Error())
		return 1
	}
	code, ok := statusCode(line)
	if !ok {
		say("GET " + url + ": not an HTTP response: " + strconv.Quote(line))
		return 1
	}
	say("GET " + url + ": " + line)
	if code >= 200 && code < 400 {
		return 0
	}
	return 1
}

// dial4 connects a TCP socket to 127.0.0.1:port with send and receive
// timeouts set.
func dial4(port int) (int, error) {
	return dial(syscall.AF_INET, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
}

// dial6 connects a TCP socket to [::1]:port.
func dial6(port int) (int, error) {
	return dial(syscall.AF_INET6, &syscall.SockaddrInet6{Port: port, Addr: [16]byte{15: 1}})
}

func dial(family int, sa syscall.Sockaddr) (int, error) {
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	tv := syscall.Timeval{Sec: timeoutSeconds}
	syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv)
	syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	for {
		err = syscall.Connect(fd, sa)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// statusLine reads up to the first line break (at most 512 bytes) and
// returns the line without it.
func statusLine(fd int) (string, error) {
	var buf [512]byte
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		if m == 0 {
			break
		}
		for i := n; i < n+m; i++ {
			if buf[i] == '\n' {
				line := buf[:i]
				if len(line) > 0 && line[len(line)-1] == '\r' {
					line = line[:len(line)-1]
				}
				return string(line), nil
			}
		}
		n += m
	}
	if n == 0 {
		return "", syscall.ECONNRESET
	}
	return string(buf[:n]), nil
}

// statusCode parses "HTTP/1.x NNN reason".
func statusCode(line string) (int, bool) {
	if len(line) < 12 || line[:7] != "HTTP/1." || line[8] != ' ' {
		return 0, false
	}
	code, err := strconv.Atoi(line[9:12])
	if err != nil || (len(line) > 12 && line[12] != ' ') {
		return 0, false
	}
	return code, true
}

func say(s string) { os.Stdout.WriteString(s + "\n") }
