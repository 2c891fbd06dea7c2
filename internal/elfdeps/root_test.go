package elfdeps

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestLookupKeepsSymlinksInsideTheRoot(t *testing.T) {
	outer := t.TempDir()
	dir := filepath.Join(outer, "root")
	put(t, outer, "etc/secret", []byte("host"), 0o644) // next to the root: must never be reached
	put(t, dir, "etc/passwd", []byte("image"), 0o644)
	link(t, dir, "rel", "../../etc")
	link(t, dir, "abs", "/../../../etc")
	link(t, dir, "usr/lib/up", "../../../../../etc/passwd")
	link(t, dir, "loop1", "loop2")
	link(t, dir, "loop2", "loop1")
	r := mustRoot(t, dir)

	for _, p := range []string{"/rel/passwd", "/abs/passwd", "/usr/lib/up", "../../etc/passwd", "/usr/../../etc/passwd"} {
		canon, _, err := r.Lookup(p)
		if err != nil {
			t.Errorf("Lookup(%q): %v", p, err)
			continue
		}
		if canon != "/etc/passwd" {
			t.Errorf("Lookup(%q) = %q, want /etc/passwd", p, canon)
		}
		b, err := os.ReadFile(r.HostPath(canon))
		if err != nil || string(b) != "image" {
			t.Errorf("Lookup(%q) read %q, %v; want the image's file", p, b, err)
		}
	}
	if _, _, err := r.Lookup("/rel/secret"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Lookup(/rel/secret) reached outside the root or failed oddly: %v", err)
	}
	if _, _, err := r.Lookup("/loop1"); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("Lookup(/loop1) = %v, want ELOOP", err)
	}
	if _, _, err := r.Lookup("/etc/passwd/x"); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("Lookup(/etc/passwd/x) = %v, want ENOTDIR", err)
	}
}

func TestLookupReportsTheLinkChainWithCanonicalParents(t *testing.T) {
	dir := t.TempDir()
	put(t, dir, "usr/lib/x86_64-linux-gnu/libssl.so.3.0.1", []byte("x"), 0o644)
	link(t, dir, "usr/lib/x86_64-linux-gnu/libssl.so.3", "libssl.so.3.0.1")
	link(t, dir, "lib", "usr/lib")
	r := mustRoot(t, dir)
	canon, links, err := r.Lookup("/lib/x86_64-linux-gnu/libssl.so.3")
	if err != nil {
		t.Fatal(err)
	}
	want := []Link{{"/lib", "usr/lib"}, {"/usr/lib/x86_64-linux-gnu/libssl.so.3", "libssl.so.3.0.1"}}
	if canon != "/usr/lib/x86_64-linux-gnu/libssl.so.3.0.1" || len(links) != 2 || links[0] != want[0] || links[1] != want[1] {
		t.Errorf("Lookup = %q %v, want the real file and %v", canon, links, want)
	}
	parent, _, err := r.LookupParent("/lib/x86_64-linux-gnu/libssl.so.3")
	if err != nil || parent != "/usr/lib/x86_64-linux-gnu/libssl.so.3" {
		t.Errorf("LookupParent = %q, %v; want the symlink's canonical path", parent, err)
	}
}
