package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/moby/buildkit/client"
)

// BuildkitdUp returns nil when a buildkitd answers on socket (a unix socket
// path) and lists at least one worker within 5 s, the check
// `buildctl debug workers` makes; otherwise an error saying why.
func BuildkitdUp(ctx context.Context, socket string) error {
	if fi, err := os.Stat(socket); err != nil {
		return err
	} else if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s is not a socket", socket)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.New(ctx, "unix://"+socket)
	if err != nil {
		return fmt.Errorf("buildkitd on %s: %w", socket, err)
	}
	defer c.Close()
	ws, err := c.ListWorkers(ctx)
	if err != nil {
		return fmt.Errorf("buildkitd on %s: list workers: %w", socket, err)
	}
	if len(ws) == 0 {
		return fmt.Errorf("buildkitd on %s has no worker", socket)
	}
	return nil
}

// RegistryUp returns nil when an OCI registry answers GET
// http://addr/v2/ (addr is host:port) with a 2xx status within 2 s;
// otherwise an error saying why.
func RegistryUp(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET http://%s/v2/: %s", addr, resp.Status)
	}
	return nil
}

// waitUntil calls check every 200 ms until it returns nil (then waitUntil
// returns nil), exited reports true (the daemon died: an error naming what
// and pointing at logPath), or timeout passes (an error with check's last
// error and logPath).
func waitUntil(ctx context.Context, what string, timeout time.Duration, logPath string, exited func() bool, check func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		if exited != nil && exited() {
			return fmt.Errorf("%s exited while starting; see %s:\n%s", what, logPath, tailFile(logPath, 3000))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %s (%v); see %s:\n%s", what, timeout, err, logPath, tailFile(logPath, 3000))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// tailFile returns the last n bytes of the file at path ("" if unreadable).
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// UnmountUnder lazily unmounts (MNT_DETACH) every mount point at or below
// dir, deepest first: the overlay and bind mounts a buildkitd killed
// mid-build leaves under its root. It returns the mount points it could
// not unmount, joined in one error, or nil.
func UnmountUnder(dir string) error {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return fmt.Errorf("read /proc/mounts: %w", err)
	}
	var mps []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && (f[1] == dir || strings.HasPrefix(f[1], dir+"/")) {
			mps = append(mps, f[1])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(mps)))
	var errs []error
	for _, mp := range mps {
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			errs = append(errs, fmt.Errorf("umount %s: %w", mp, err))
		}
	}
	return errors.Join(errs...)
}
