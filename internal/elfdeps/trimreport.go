package elfdeps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// TrimReportPath is the image path of the trimming report `slimfront
// closure --trim` writes beside the trees it copies: the TrimReport as
// JSON. It travels in the image (about a kilobyte), so `slim build` and
// `slim size` can say what was removed from any image, including one built
// from cache, and anyone can read it back with `slim files`/`crane export`.
const TrimReportPath = "/usr/share/slimfront/trimmed.json"

// WriteTrimReport writes r as indented JSON (map keys sorted, so equal
// reports give equal bytes) to out+TrimReportPath, creating the missing
// directories. The file and the directories it creates get the time t, and
// the directory of out it adds an entry to keeps its modification time, so
// the same inputs give the same layer. It returns the error of the first
// file operation that fails.
func WriteTrimReport(out string, r TrimReport, t time.Time) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	dst := filepath.Join(out, filepath.FromSlash(TrimReportPath))
	// the deepest existing ancestor: its mtime changes when an entry is
	// added, so it is put back afterwards
	var created []string
	parent := filepath.Dir(dst)
	for {
		if _, err := os.Lstat(parent); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		created = append(created, parent)
		parent = filepath.Dir(parent)
	}
	pfi, err := os.Stat(parent)
	if err != nil {
		return err
	}
	for i := len(created) - 1; i >= 0; i-- {
		if err := os.Mkdir(created[i], 0o755); err != nil {
			return err
		}
		if err := os.Chmod(created[i], 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(dst, append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.Chmod(dst, 0o644); err != nil {
		return err
	}
	if err := os.Chtimes(dst, t, t); err != nil {
		return err
	}
	for _, d := range created { // deepest first
		if err := os.Chtimes(d, t, t); err != nil {
			return err
		}
	}
	return os.Chtimes(parent, pfi.ModTime(), pfi.ModTime())
}

// ReadTrimReport parses the JSON WriteTrimReport writes.
func ReadTrimReport(b []byte) (TrimReport, error) {
	var r TrimReport
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", TrimReportPath, err)
	}
	return r, nil
}

// Summary renders r for people: one line with the files and bytes removed
// from which trees, then the bytes per kind (largest first), per package
// (the top largest, the rest summed as "N others") and the candidate
// directories that stayed and why. human formats a byte count. An empty
// report (nothing to remove) gives one line saying so.
func (r TrimReport) Summary(top int, human func(int64) string) []string {
	where := ""
	if len(r.Trees) > 0 {
		where = " from " + strings.Join(r.Trees, ", ")
	}
	if r.Files == 0 {
		return []string{"trimmed: nothing" + where + " (no test suites, docs, examples, headers, static libraries, stubs, TypeScript or source maps found)"}
	}
	out := []string{fmt.Sprintf("trimmed %s in %d files%s (what never runs in production; [run] keep = [...] keeps a path, [run] trim = false turns it off)", human(r.Bytes), r.Files, where)}
	out = append(out, "  per kind:    "+byteList(r.Kinds, 0, human))
	out = append(out, "  per package: "+byteList(r.Packages, top, human))
	if len(r.Stdlib) > 0 {
		out = append(out, "  stdlib:      "+strings.Join(r.Stdlib, ", ")+" (extension modules nothing imports, with the libraries only they load; [run] keep = [\"sqlite3\"] keeps a module)")
	}
	for _, k := range r.Kept {
		out = append(out, "  kept "+k)
	}
	return out
}

// byteList renders m as "key size, ..." largest first (ties by key); with
// top > 0 only the top largest, the rest summed as "N others size".
func byteList(m map[string]int64, top int, human func(int64) string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var parts []string
	var rest int64
	for i, k := range keys {
		if top > 0 && i >= top {
			rest += m[k]
			continue
		}
		parts = append(parts, k+" "+human(m[k]))
	}
	if n := len(keys) - top; top > 0 && n > 0 {
		parts = append(parts, fmt.Sprintf("%d others %s", n, human(rest)))
	}
	return strings.Join(parts, ", ")
}

// ReportTime is the time to give the trimming report of trees in root
// (WriteTrimReport): epoch when it is set (SOURCE_DATE_EPOCH), else the
// newest modification time of the trees' top directories, which the same
// inputs reproduce.
func ReportTime(root *Root, trees []string, epoch time.Time) time.Time {
	if !epoch.IsZero() {
		return epoch
	}
	var t time.Time
	for _, tr := range trees {
		canon, _, err := root.Lookup(tr)
		if err != nil {
			continue
		}
		if fi, err := os.Stat(root.HostPath(path.Clean(canon))); err == nil && fi.ModTime().After(t) {
			t = fi.ModTime()
		}
	}
	return t
}
