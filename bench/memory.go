package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// sampleFrontend watches /proc while a build runs for the frontend process
// (/bin/slimfront, which buildkitd runs as a runc container) below the
// buildkitd with pid daemonPid, and records its peak resident set (VmHWM
// from /proc/PID/status; the kernel keeps the high-water mark, so sampling
// every 5 ms misses at most the growth in the last 5 ms before exit).
// The returned func stops sampling and returns the peak in bytes (0 if the
// frontend was never seen, e.g. a fully cached no-op can still start it).
func sampleFrontend(daemonPid int) func() int64 {
	stop := make(chan struct{})
	done := make(chan int64)
	go func() {
		var peak int64
		seen := map[int]bool{}
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, pid := range frontendPids(daemonPid, seen) {
				if v := vmHWM(pid); v > peak {
					peak = v
				}
			}
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 { close(stop); return <-done }
}

// frontendPids lists live slimfront processes under daemonPid. seen caches
// the verdict per pid (false = not ours) so /proc is read cheaply.
func frontendPids(daemonPid int, seen map[int]bool) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ours, ok := seen[pid]; ok {
			if ours {
				out = append(out, pid)
			}
			continue
		}
		if !under(pid, daemonPid) {
			seen[pid] = false // ancestry does not change; a not-yet-exec'd runc init does
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(cmd) == 0 {
			continue // exiting
		}
		arg0 := string(bytes.SplitN(cmd, []byte{0}, 2)[0])
		if filepath.Base(arg0) == "slimfront" {
			seen[pid] = true
			out = append(out, pid)
		}
	}
	return out
}

func under(pid, ancestor int) bool {
	for i := 0; i < 8 && pid > 1; i++ {
		pid = ppid(pid)
		if pid == ancestor {
			return true
		}
	}
	return false
}

func ppid(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...; comm may contain spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func vmHWM(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
