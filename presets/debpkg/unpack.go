package debpkg

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Dropped reports whether an image path (relative, slash-separated, as in
// a .deb's data: "usr/share/man/man1/file.1.gz") is left out of runtime
// packages: docs (but not usr/share/doc/<pkg>/copyright, kept for the
// licences), man and info pages, locales and lintian overrides — the
// excludes of Debian's slim images (dpkg path-exclude in debian:13-slim).
func Dropped(p string) bool {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if rest, ok := strings.CutPrefix(p, "usr/share/doc/"); ok {
		return !strings.HasSuffix(rest, "/copyright") || strings.Count(rest, "/") != 1
	}
	for _, d := range []string{"usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian", "usr/share/linda", "usr/share/groff", "usr/share/doc-base"} {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// foldUsr maps a path of a .deb onto a merged-/usr image (Debian 13,
// distroless): bin, sbin, lib* at the top are the directories under usr/,
// which the image has as symlinks or not at all.
func foldUsr(p string) string {
	first, _, _ := strings.Cut(p, "/")
	switch {
	case first == "bin", first == "sbin", first == "lib", strings.HasPrefix(first, "lib") && (first == "lib32" || first == "lib64" || first == "libx32"):
		return "usr/" + p
	}
	return p
}

// Unpacked is what Unpack wrote for one package.
type Unpacked struct {
	Files, Links int
	Bytes        int64
	Newest       time.Time // newest mtime in its data (for the record files)
}

// Unpack extracts the data tar of a .deb (as `dpkg-deb --fsys-tarfile`
// streams it) into the host directory out: regular files, symlinks, hard
// links and directories, with the archive's modes and modification times,
// owned by root; paths Dropped are skipped and top-level bin, sbin and lib
// are folded into usr/. It returns the counts and, for the md5sums
// record, the kept image paths (relative, folded).
func Unpack(data io.Reader, out string) (Unpacked, map[string]string, error) {
	var u Unpacked
	kept := map[string]string{} // deb path -> folded path, regular files only
	tr := tar.NewReader(data)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return u, nil, err
		}
		rel := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if rel == "" || Dropped(rel) {
			continue
		}
		img := foldUsr(rel)
		dst := filepath.Join(out, filepath.FromSlash(img))
		if h.ModTime.After(u.Newest) {
			u.Newest = h.ModTime
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return u, nil, err
			}
			if err := os.Chmod(dst, os.FileMode(h.Mode).Perm()|modeBits(h.Mode)); err != nil {
				return u, nil, err
			}
			continue
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return u, nil, err
			}
			os.Remove(dst)
			f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return u, nil, err
			}
			n, err := io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return u, nil, err
			}
			if err := os.Chmod(dst, os.FileMode(h.Mode).Perm()|modeBits(h.Mode)); err != nil {
				return u, nil, err
			}
			u.Files++
			u.Bytes += n
			kept[rel] = img
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return u, nil, err
			}
			os.Remove(dst)
			if err := os.Symlink(h.Linkname, dst); err != nil {
				return u, nil, err
			}
			u.Links++
		case tar.TypeLink:
			target := foldUsr(strings.TrimPrefix(path.Clean("/"+h.Linkname), "/"))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return u, nil, err
			}
			os.Remove(dst)
			if err := os.Link(filepath.Join(out, filepath.FromSlash(target)), dst); err != nil {
				return u, nil, err
			}
			u.Files++
			kept[rel] = img
		default:
			continue // devices and fifos: not in library packages
		}
		if err := os.Chtimes(dst, h.ModTime, h.ModTime); err != nil && h.Typeflag != tar.TypeSymlink {
			return u, nil, err
		}
		if h.Typeflag == tar.TypeSymlink {
			lchtimes(dst, h.ModTime)
		}
	}
	return u, kept, nil
}

// modeBits keeps setuid, setgid and sticky from a tar mode.
func modeBits(m int64) os.FileMode {
	var b os.FileMode
	if m&0o4000 != 0 {
		b |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		b |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		b |= os.ModeSticky
	}
	return b
}

// StatusDir is where distroless records packages: /var/lib/dpkg/status.d/
// <package> holds the package's control fields (deb-control(5), as
// `dpkg-deb -f` prints them) and <package>.md5sums its files'
// "<md5>  <path>" lines; Syft, Trivy and Grype read both.
const StatusDir = "var/lib/dpkg/status.d"

// WriteRecord writes the status.d record of one package under out: control
// (the .deb's control file) as <name>, and the lines of md5sums (the
// .deb's md5sums control member, "" when it has none) whose paths are in
// kept, rewritten to their folded image paths and sorted, as
// <name>.md5sums. Both get mtime.
func WriteRecord(out, name string, control []byte, md5sums []byte, kept map[string]string, mtime time.Time) error {
	dir := filepath.Join(out, filepath.FromSlash(StatusDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	control = bytes.TrimRight(control, "\n")
	rec := filepath.Join(dir, name)
	if err := os.WriteFile(rec, append(control, '\n'), 0o644); err != nil {
		return err
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(md5sums))
	for sc.Scan() {
		sum, p, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			continue
		}
		if img, ok := kept[strings.TrimPrefix(path.Clean("/"+p), "/")]; ok {
			lines = append(lines, sum+"  "+img)
		}
	}
	sort.Strings(lines)
	files := []string{rec}
	if len(lines) > 0 {
		m := filepath.Join(dir, name+".md5sums")
		if err := os.WriteFile(m, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		files = append(files, m)
	}
	for _, f := range files {
		if err := os.Chtimes(f, mtime, mtime); err != nil {
			return err
		}
	}
	return nil
}

// ControlMember returns one member ("control", "md5sums") of a .deb's
// control tar (as `dpkg-deb --ctrl-tarfile` streams it); nil when absent.
func ControlMember(ctrl io.Reader, name string) ([]byte, error) {
	tr := tar.NewReader(ctrl)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if path.Clean("/"+h.Name) == "/"+name {
			return io.ReadAll(tr)
		}
	}
}

// SetDirTimes sets the modification time of every directory under out to
// t (directories get no time of their own from several overlapping .debs;
// one fixed time keeps the tree reproducible).
func SetDirTimes(out string, t time.Time) error {
	return filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Chtimes(p, t, t)
		}
		return nil
	})
}

// describe is "name version" for logs.
func describe(p *Package) string { return fmt.Sprintf("%s %s", p.Name, p.Version) }
