package elfdeps

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// maxSymlinks is how many symlinks one lookup may follow before it fails
// with ELOOP; Linux's own limit (MAXSYMLINKS in fs/namei.c) is 40.
const maxSymlinks = 40

// Root is a directory that holds an image's filesystem (for example the
// target stage mounted read-only in a build step). All paths given to its
// methods are image paths: absolute, or relative to the image's "/".
type Root struct {
	dir string // absolute, symlink-free host path
}

// Link is one symlink met while resolving a path inside a Root.
type Link struct {
	// Path is the image path of the symlink itself. Its parent directory
	// contains no symlinks, so recreating Link.Path in another tree never
	// goes through a symlink.
	Path string
	// Target is the link's text as stored (relative or absolute), which is
	// what a copy must recreate.
	Target string
}

// OpenRoot returns the Root for the host directory dir. It fails when dir
// does not exist or is not a directory.
func OpenRoot(dir string) (*Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, fmt.Errorf("image root: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("image root: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("image root %s: not a directory", dir)
	}
	return &Root{dir: abs}, nil
}

// Dir returns the host directory of the root.
func (r *Root) Dir() string { return r.dir }

// HostPath returns the host path of an image path, lexically: it does not
// follow symlinks, so only pass it paths returned by Lookup (canonical ones)
// or paths whose components are known not to be symlinks.
func (r *Root) HostPath(imagePath string) string {
	return filepath.Join(r.dir, filepath.FromSlash(path.Clean("/"+imagePath)))
}

// Lookup resolves the image path p inside the root, following every symlink
// including the last component, and returns the canonical image path (no
// symlinks, no "." or "..") and the symlinks met on the way, in order.
//
// Absolute link targets are taken relative to the root and ".." at the root
// stays at the root, so the result is always inside it, whatever the links
// say. Errors wrap fs.ErrNotExist when a component is missing,
// syscall.ENOTDIR when a non-final component is not a directory and
// syscall.ELOOP after 40 symlinks (Linux's limit); the links met before the
// failure are returned with it.
func (r *Root) Lookup(p string) (string, []Link, error) {
	return r.lookup(p, true)
}

// LookupParent is Lookup without following a symlink in the last
// component: the canonical path it returns names the symlink itself when p
// ends in one.
func (r *Root) LookupParent(p string) (string, []Link, error) {
	return r.lookup(p, false)
}

func (r *Root) lookup(p string, followLast bool) (string, []Link, error) {
	var links []Link
	rest := splitPath(p)
	cur := "/"
	followed := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur) // path.Dir("/") is "/": never above the root
			continue
		}
		next := path.Join(cur, c)
		fi, err := os.Lstat(r.HostPath(next))
		if err != nil {
			return next, links, &fs.PathError{Op: "lookup", Path: next, Err: unwrapPathErr(err)}
		}
		last := !hasMore(rest)
		if fi.Mode()&fs.ModeSymlink != 0 && (!last || followLast) {
			followed++
			if followed > maxSymlinks {
				return next, links, &fs.PathError{Op: "lookup", Path: p, Err: syscall.ELOOP}
			}
			target, err := os.Readlink(r.HostPath(next))
			if err != nil {
				return next, links, err
			}
			links = append(links, Link{Path: next, Target: target})
			if strings.HasPrefix(target, "/") {
				cur = "/"
			}
			rest = append(splitPath(target), rest...)
			continue
		}
		if !last && !fi.IsDir() {
			return next, links, &fs.PathError{Op: "lookup", Path: next, Err: syscall.ENOTDIR}
		}
		cur = next
	}
	return cur, links, nil
}

// Open opens the image path p (following symlinks inside the root) for
// reading, and returns the file and its canonical image path.
func (r *Root) Open(p string) (*os.File, string, error) {
	canon, _, err := r.Lookup(p)
	if err != nil {
		return nil, canon, err
	}
	f, err := os.Open(r.HostPath(canon))
	return f, canon, err
}

// Stat returns the file info of the image path p after following symlinks
// inside the root, and its canonical image path.
func (r *Root) Stat(p string) (fs.FileInfo, string, error) {
	canon, _, err := r.Lookup(p)
	if err != nil {
		return nil, canon, err
	}
	fi, err := os.Lstat(r.HostPath(canon))
	return fi, canon, err
}

// hasMore reports whether rest still holds a real path component.
func hasMore(rest []string) bool {
	for _, c := range rest {
		if c != "" && c != "." {
			return true
		}
	}
	return false
}

func splitPath(p string) []string { return strings.Split(p, "/") }

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
