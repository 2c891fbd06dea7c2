package elfdeps

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestWriteTrimReport checks the report file: it reads back as the plan's
// report, it and the directories it creates carry the given time, the
// directory it adds an entry to keeps its time, and writing the same report
// into a second copy gives the same bytes.
func TestWriteTrimReport(t *testing.T) {
	dir := pythonTree(t)
	root := mustRoot(t, dir)
	tr, err := PlanTrim(root, []string{"/opt/venv"}, TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var files [2][]byte
	for i := range files {
		out := t.TempDir()
		if _, err := Copy(root, &Closure{}, out, CopyOptions{Entries: []string{"/opt/venv"}, Trim: tr}); err != nil {
			t.Fatal(err)
		}
		// a /usr the report's /usr/share goes into, dated like a copied directory
		usr := filepath.Join(out, "usr")
		old := time.Unix(1_000_000, 0)
		if err := os.Mkdir(usr, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(usr, old, old); err != nil {
			t.Fatal(err)
		}
		when := time.Unix(1_700_000_000, 0)
		if err := WriteTrimReport(out, tr.Report, when); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(out, TrimReportPath)
		if files[i], err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{p, filepath.Dir(p), filepath.Dir(filepath.Dir(p))} {
			if fi, err := os.Stat(q); err != nil || !fi.ModTime().Equal(when) {
				t.Errorf("%s: time %v (%v), want %v", q, fi.ModTime(), err, when)
			}
		}
		if fi, err := os.Stat(usr); err != nil || !fi.ModTime().Equal(old) {
			t.Errorf("/usr: time %v (%v), want it kept at %v", fi.ModTime(), err, old)
		}
	}
	if string(files[0]) != string(files[1]) {
		t.Errorf("the same report gave different files:\n%s\n%s", files[0], files[1])
	}
	back, err := ReadTrimReport(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, tr.Report) {
		t.Errorf("read back %+v, want %+v", back, tr.Report)
	}
	if _, err := ReadTrimReport([]byte("{")); err == nil || !strings.Contains(err.Error(), TrimReportPath) {
		t.Errorf("bad JSON: error %v, want one naming %s", err, TrimReportPath)
	}
}

func TestTrimReportSummary(t *testing.T) {
	h := func(n int64) string { return fmt.Sprintf("%dB", n) }
	r := TrimReport{Trees: []string{"/opt/venv"}, Files: 5, Bytes: 60,
		Kinds:    map[string]int64{"tests": 40, "docs": 15, "headers": 5},
		Packages: map[string]int64{"a": 30, "b": 20, "c": 6, "d": 4},
		Kept:     []string{"a/x/tests/m: imported by a/y.py"}}
	got := r.Summary(2, h)
	want := []string{
		"trimmed 60B in 5 files from /opt/venv (what never runs in production; [run] keep = [...] keeps a path, [run] trim = false turns it off)",
		"  per kind:    tests 40B, docs 15B, headers 5B",
		"  per package: a 30B, b 20B, 2 others 10B",
		"  kept a/x/tests/m: imported by a/y.py",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Summary:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := (TrimReport{Trees: []string{"/app"}}).Summary(2, h); len(got) != 1 || !strings.HasPrefix(got[0], "trimmed: nothing from /app") {
		t.Errorf("empty report: %q", got)
	}
	// the standard library's extension modules nothing imports
	r = TrimReport{Trees: []string{"/opt/venv"}, Files: 2, Bytes: 30, Kinds: map[string]int64{"stdlib-extensions": 30},
		Packages: map[string]int64{"stdlib": 30}, Stdlib: []string{"_sqlite3", "libsqlite3.so.0.8.6"}}
	got = r.Summary(2, h)
	if len(got) != 4 || got[3] != `  stdlib:      _sqlite3, libsqlite3.so.0.8.6 (extension modules nothing imports, with the libraries only they load; [run] keep = ["sqlite3"] keeps a module)` {
		t.Errorf("stdlib line: %q", got)
	}
}
