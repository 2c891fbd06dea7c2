package elfdeps

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// RecordsDir is where distroless images record their Debian packages and
// where WriteRecords writes: status.d/<package> holds the package's control
// fields and status.d/<package>.md5sums its files ("<md5>  <path>" lines,
// paths without the leading slash). Syft, Trivy and Grype read these
// (GoogleContainerTools/distroless's convention; the control fields are
// deb-control(5)'s).
const RecordsDir = "/var/lib/dpkg/status.d"

// statusOnly are dpkg status(5) fields that describe the builder's
// installation, not the package; records leave them out, as distroless's do.
var statusOnly = map[string]bool{"Status": true, "Conffiles": true, "Config-Version": true}

// WriteRecords writes a record under out (host directory laid over the
// image root) for every package of the dpkg database of root (its
// /var/lib/dpkg/status and info/<pkg>[:<arch>].list and .md5sums, see
// dpkg(1)) that owns one of files, canonical image paths the image holds
// (the closure's copied libraries and loaders, the programs it was asked
// about). A listed path is matched after resolving its symlinks in root, so
// /lib/x86_64-linux-gnu/libc.so.6 in libc6.list matches
// /usr/lib/x86_64-linux-gnu/libc.so.6 on a merged-/usr system. The record
// is the package's status stanza without Status, Conffiles and
// Config-Version; its .md5sums keeps only the lines of the matched files,
// sorted. Packages whose record skip already has (the base image's
// status.d; nil for none) are not written. Record times are epoch when
// non-zero, else the newest mtime of the package's matched files (their
// .deb's). It returns the package names written, sorted. A root without a
// dpkg database writes nothing and is not an error.
func WriteRecords(root *Root, files []string, out string, skip *Root, epoch time.Time) ([]string, error) {
	want := map[string]bool{}
	bases := map[string]bool{}
	for _, f := range files {
		want[f] = true
		bases[path.Base(f)] = true
	}
	info := root.HostPath("/var/lib/dpkg/info")
	lists, err := filepath.Glob(filepath.Join(info, "*.list"))
	if err != nil || len(lists) == 0 {
		return nil, err
	}
	sort.Strings(lists)
	type hit struct {
		key    string          // info file name without .list: libssl3t64:amd64
		listed map[string]bool // listed paths (clean, with leading slash) that matched
		newest time.Time
	}
	var hits []*hit
	for _, l := range lists {
		data, err := os.ReadFile(l)
		if err != nil {
			return nil, err
		}
		h := &hit{key: strings.TrimSuffix(filepath.Base(l), ".list"), listed: map[string]bool{}}
		for _, p := range strings.Split(string(data), "\n") {
			if p == "" || !bases[path.Base(p)] {
				continue
			}
			p = path.Clean("/" + p)
			canon, _, err := root.Lookup(p)
			if err != nil || !want[canon] {
				continue
			}
			h.listed[p] = true
			if fi, _, err := root.Stat(canon); err == nil && fi.ModTime().After(h.newest) {
				h.newest = fi.ModTime()
			}
		}
		if len(h.listed) > 0 {
			hits = append(hits, h)
		}
	}
	if len(hits) == 0 {
		return nil, nil
	}
	stanzas, err := statusStanzas(root.HostPath("/var/lib/dpkg/status"))
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(out, filepath.FromSlash(RecordsDir))
	var written []string
	var newest time.Time
	for _, h := range hits {
		name, arch, _ := strings.Cut(h.key, ":")
		st := stanzas[name+":"+arch]
		if st == nil {
			st = stanzas[name+":"]
		}
		if st == nil { // listed but not in status: take any architecture
			for k, v := range stanzas {
				if strings.HasPrefix(k, name+":") {
					st = v
					break
				}
			}
		}
		if st == nil {
			continue
		}
		if skip != nil {
			if _, _, err := skip.Lookup(path.Join(RecordsDir, name)); err == nil {
				continue
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		t := h.newest
		if !epoch.IsZero() {
			t = epoch
		}
		if t.After(newest) {
			newest = t
		}
		rec := filepath.Join(dir, name)
		if err := os.WriteFile(rec, st, 0o644); err != nil {
			return nil, err
		}
		if err := os.Chtimes(rec, t, t); err != nil {
			return nil, err
		}
		sums, err := matchedSums(filepath.Join(info, h.key+".md5sums"), h.listed)
		if err != nil {
			return nil, err
		}
		if len(sums) > 0 {
			m := filepath.Join(dir, name+".md5sums")
			if err := os.WriteFile(m, sums, 0o644); err != nil {
				return nil, err
			}
			if err := os.Chtimes(m, t, t); err != nil {
				return nil, err
			}
		}
		written = append(written, name)
	}
	sort.Strings(written)
	if len(written) > 0 {
		// the directories the records live in get the newest record time
		for d := dir; len(d) > len(out); d = filepath.Dir(d) {
			if err := os.Chtimes(d, newest, newest); err != nil {
				return nil, err
			}
		}
	}
	return written, nil
}

// statusStanzas reads dpkg's status file and returns each stanza, without
// the status-only fields, keyed by "<Package>:<Architecture>".
func statusStanzas(file string) (map[string][]byte, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string][]byte{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, raw := range strings.Split(string(data), "\n\n") {
		var b bytes.Buffer
		var name, arch string
		drop := false
		for _, line := range strings.Split(raw, "\n") {
			if line == "" {
				continue
			}
			if line[0] != ' ' && line[0] != '\t' {
				k, v, _ := strings.Cut(line, ":")
				drop = statusOnly[k]
				switch k {
				case "Package":
					name = strings.TrimSpace(v)
				case "Architecture":
					arch = strings.TrimSpace(v)
				}
			}
			if !drop {
				b.WriteString(line)
				b.WriteByte('\n')
			}
		}
		if name == "" {
			continue
		}
		out[name+":"+arch] = b.Bytes()
		if arch == "all" {
			out[name+":"] = b.Bytes()
		}
	}
	return out, nil
}

// matchedSums returns the lines of a dpkg md5sums file whose paths are in
// listed (clean, with a leading slash), sorted; nil when the file is absent.
func matchedSums(file string, listed map[string]bool) ([]byte, error) {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		_, p, ok := strings.Cut(sc.Text(), "  ")
		if ok && listed[path.Clean("/"+p)] {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, nil
	}
	sort.Strings(lines)
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}
