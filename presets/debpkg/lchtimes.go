package debpkg

import (
	"time"

	"golang.org/x/sys/unix"
)

// lchtimes sets a symlink's own modification time (best effort).
func lchtimes(p string, t time.Time) {
	ts := []unix.Timespec{unix.NsecToTimespec(t.UnixNano()), unix.NsecToTimespec(t.UnixNano())}
	_ = unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
}
