package elfdeps

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// CopyOptions says what Copy writes besides the closure's libraries.
type CopyOptions struct {
	// Entries, when set, are image paths (files or directories) copied as
	// well, with every file under them, ELF or not: the dependency trees
	// themselves.
	Entries []string
	// DropForeign leaves the closure's Foreign files out of the Entries
	// copy.
	DropForeign bool
	// Skip are image directories whose closure members are not copied
	// because they reach the image another way (a venv or node_modules the
	// image copies whole: numpy.libs, bundled .so files).
	Skip []string
	// Have, when set, is the root of the base image the copy is laid
	// over: a library or link that already exists there at the same image
	// path is not copied, so a distroless image gets only what its base
	// lacks (distroless and the builder are the same Debian release, so
	// the same path holds the same library).
	Have *Root
	// Trim, when set (PlanTrim), are the files and directories of the
	// Entries trees left out: what never runs in production.
	Trim *Trim
	// Sourceless leaves out of the Entries trees every Python source
	// X.py that has bytecode X.pyc beside it (the legacy location
	// compileall -b writes): importlib's FileFinder then imports X.pyc
	// with SourcelessFileLoader ([run] sourceless). Counted in
	// CopyStats.Sourceless.
	Sourceless bool
}

// skipped reports whether Copy leaves the closure member img out: it lies
// under o.Skip or the base image o.Have already has it.
func (o CopyOptions) skipped(img string) bool {
	for _, d := range o.Skip {
		d = path.Clean("/" + d)
		if img == d || len(img) > len(d) && img[:len(d)] == d && img[len(d)] == '/' {
			return true
		}
	}
	if o.Have != nil {
		if _, _, err := o.Have.Lookup(img); err == nil {
			return true
		}
	}
	return false
}

// CopyStats counts what Copy wrote.
type CopyStats struct {
	Files        int   `json:"files"`         // regular files written
	Bytes        int64 `json:"bytes"`         // their total size
	Links        int   `json:"links"`         // symlinks recreated
	ForeignFiles int   `json:"foreign_files"` // foreign prebuilds found in dependency trees
	ForeignBytes int64 `json:"foreign_bytes"`
	DroppedFiles int   `json:"dropped_files"` // foreign prebuilds left out of the copy
	DroppedBytes int64 `json:"dropped_bytes"`
	// Trimmed reports what CopyOptions.Trim left out of the trees.
	Trimmed *TrimReport `json:"trimmed,omitempty"`
	// Sourceless counts the .py files CopyOptions.Sourceless left out.
	Sourceless *FileCount `json:"sourceless,omitempty"`
}

// FileCount is a number of regular files and their total size in bytes.
type FileCount struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Copy writes c's Files and Links (and, with o.Entries, the entry trees)
// from root into the host directory out, at the same image paths, so out
// overlays onto an empty image. Symlinks are recreated with their stored
// text; regular files are copied with mode 0755 when any execute bit is set
// in the source and 0644 otherwise, directories 0755, and modification
// times are those of the source files (no copy-time timestamps, so equal
// inputs give equal trees). Files hard-linked together in the source are
// hard-linked in out (one inode, so an image layer stores them once). A
// path that already exists in out with the same kind is left as is; a
// conflicting one is an error.
func Copy(root *Root, c *Closure, out string, o CopyOptions) (CopyStats, error) {
	st := CopyStats{ForeignFiles: len(c.Foreign), ForeignBytes: c.ForeignBytes()}
	w := &copier{root: root, out: out, dirs: map[string]bool{}, st: &st, hard: map[fileID]string{}, trim: o.Trim}
	if o.Trim != nil {
		st.Trimmed = &o.Trim.Report
	}
	if o.Sourceless {
		w.sourceless = &FileCount{}
		st.Sourceless = w.sourceless
	}
	drop := map[string]bool{}
	if o.DropForeign {
		for _, f := range c.Foreign {
			drop[f.Path] = true
			st.DroppedFiles++
			st.DroppedBytes += f.Size
		}
	}
	for _, l := range c.Links {
		if o.skipped(l.Path) {
			continue
		}
		if err := w.link(l.Path, l.Target); err != nil {
			return st, err
		}
	}
	for _, f := range c.Files {
		if o.skipped(f) {
			continue
		}
		if err := w.file(f); err != nil {
			return st, err
		}
	}
	for _, e := range o.Entries {
		canon, links, err := root.Lookup(e)
		if err != nil {
			return st, fmt.Errorf("entry %s: %w", e, err)
		}
		for _, l := range links {
			if err := w.link(l.Path, l.Target); err != nil {
				return st, err
			}
		}
		if err := w.tree(canon, drop); err != nil {
			return st, err
		}
	}
	return st, w.finish()
}

type copier struct {
	root *Root
	out  string
	dirs map[string]bool // image dirs created, to set their times at the end
	st   *CopyStats
	// hard maps a source file with several hard links (node-gyp's make
	// links build/Release/x.node to obj.target/x.node) to the host path of
	// its first copy, so the copy keeps one inode and a layer stores the
	// bytes once.
	hard map[fileID]string
	// sourceless, when set, counts the .py files left out because bytecode
	// is beside them (CopyOptions.Sourceless).
	sourceless *FileCount
	trim       *Trim // what tree leaves out, or nil
}

// fileID identifies a source file by device and inode.
type fileID struct{ dev, ino uint64 }

func (w *copier) dst(img string) string { return filepath.Join(w.out, filepath.FromSlash(img)) }

// mkdirs creates the parents of img in out; they are real directories in
// the root (Link and canonical paths have symlink-free parents).
func (w *copier) mkdirs(img string) error {
	var chain []string
	for d := path.Dir(img); d != "/" && !w.dirs[d]; d = path.Dir(d) {
		chain = append(chain, d)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		d := chain[i]
		fi, err := os.Lstat(w.dst(d))
		switch {
		case err == nil && fi.IsDir():
		case err == nil:
			return fmt.Errorf("%s: exists in %s and is not a directory", d, w.out)
		default:
			if err := os.Mkdir(w.dst(d), 0o755); err != nil {
				return err
			}
			if err := os.Chmod(w.dst(d), 0o755); err != nil { // whatever the umask
				return err
			}
		}
		w.dirs[d] = true
	}
	return nil
}

func (w *copier) link(img, target string) error {
	if err := w.mkdirs(img); err != nil {
		return err
	}
	if old, err := os.Readlink(w.dst(img)); err == nil {
		if old == target {
			return nil
		}
		return fmt.Errorf("%s: symlink exists in %s with another target (%s, not %s)", img, w.out, old, target)
	}
	if err := os.Symlink(target, w.dst(img)); err != nil {
		return err
	}
	w.st.Links++
	return nil
}

func (w *copier) file(img string) error {
	if err := w.mkdirs(img); err != nil {
		return err
	}
	src := w.root.HostPath(img)
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if ofi, err := os.Lstat(w.dst(img)); err == nil {
		if ofi.Mode().IsRegular() && ofi.Size() == fi.Size() {
			return nil // written already (a library that is also under an entry)
		}
		return fmt.Errorf("%s: exists in %s and differs", img, w.out)
	}
	var id fileID
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok && sys.Nlink > 1 {
		id = fileID{dev: uint64(sys.Dev), ino: uint64(sys.Ino)}
		if first, ok := w.hard[id]; ok {
			return os.Link(first, w.dst(img))
		}
		w.hard[id] = w.dst(img)
	}
	mode := fs.FileMode(0o644)
	if fi.Mode()&0o111 != 0 {
		mode = 0o755
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	outf, err := os.OpenFile(w.dst(img), os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	n, err := io.Copy(outf, in)
	if cerr := outf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(w.dst(img), mode); err != nil { // the umask must not change it
		return err
	}
	w.st.Files++
	w.st.Bytes += n
	return os.Chtimes(w.dst(img), fi.ModTime(), fi.ModTime())
}

// tree copies the canonical image path top (a file or a directory tree),
// recreating symlinks and skipping the image paths in drop and what
// w.trim leaves out.
func (w *copier) tree(top string, drop map[string]bool) error {
	return filepath.WalkDir(w.root.HostPath(top), func(hp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.root.Dir(), hp)
		img := path.Clean("/" + filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			if w.trim.dropsDir(img) {
				return fs.SkipDir
			}
			if err := w.mkdirs(img + "/x"); err != nil {
				return err
			}
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(hp)
			if err != nil {
				return err
			}
			return w.link(img, t)
		case d.Type().IsRegular():
			if drop[img] || w.trim.drops(img) {
				return nil
			}
			if w.sourceless != nil && strings.HasSuffix(hp, ".py") {
				if fi, err := os.Lstat(hp + "c"); err == nil && fi.Mode().IsRegular() {
					if info, err := d.Info(); err == nil {
						w.sourceless.Files++
						w.sourceless.Bytes += info.Size()
					}
					return nil
				}
			}
			return w.file(img)
		}
		return nil // sockets, fifos, devices: not image content
	})
}

// finish gives every created directory its source directory's
// modification time, deepest first.
func (w *copier) finish() error {
	var ds []string
	for d := range w.dirs {
		ds = append(ds, d)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ds)))
	for _, d := range ds {
		fi, err := os.Stat(w.root.HostPath(d))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.Chtimes(w.dst(d), fi.ModTime(), fi.ModTime()); err != nil {
			return err
		}
	}
	return nil
}

// Held returns the files of c that Copy writes with o (those not skipped),
// sorted: what the image gets from the closure besides the entry trees.
func (o CopyOptions) Held(c *Closure) []string {
	var out []string
	for _, f := range c.Files {
		if !o.skipped(f) {
			out = append(out, f)
		}
	}
	return out
}
