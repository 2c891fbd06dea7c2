package elfdeps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWriteRecordsNamesThePackagesOfTheCopiedFiles reads this Debian
// host's own dpkg database: the record of libc.so.6's package is written
// the way distroless writes them (status.d/<package> with the status
// stanza minus Status, and .md5sums of the matched files only), a package
// the base already records is skipped, and record times are the epoch.
func TestWriteRecordsNamesThePackagesOfTheCopiedFiles(t *testing.T) {
	host := mustRoot(t, "/")
	libc, _, err := host.Lookup("/lib/x86_64-linux-gnu/libc.so.6")
	if err != nil {
		t.Skipf("no glibc at the Debian multiarch path on this host: %v", err)
	}
	if _, err := os.Stat("/var/lib/dpkg/info/libc6:amd64.list"); err != nil {
		t.Skipf("this host has no dpkg record of libc6:amd64: %v", err)
	}
	epoch := time.Unix(1700000000, 0).UTC()
	out := t.TempDir()
	written, err := WriteRecords(host, []string{libc}, out, nil, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(written, " ") != "libc6" {
		t.Fatalf("written %q, want libc6 alone", written)
	}
	rec, err := os.ReadFile(filepath.Join(out, RecordsDir, "libc6"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Package: libc6\n", "\nVersion: ", "\nArchitecture: amd64\n"} {
		if !strings.Contains(string(rec), want) {
			t.Errorf("record lacks %q:\n%s", want, rec)
		}
	}
	if strings.Contains(string(rec), "\nStatus: ") || strings.HasPrefix(string(rec), "Status: ") {
		t.Errorf("record keeps dpkg's Status field:\n%s", rec)
	}
	sums, err := os.ReadFile(filepath.Join(out, RecordsDir, "libc6.md5sums"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	if len(lines) != 1 || !strings.HasSuffix(lines[0], "/libc.so.6") {
		t.Errorf("md5sums = %q, want the one line of libc.so.6", lines)
	}
	if fi, err := os.Stat(filepath.Join(out, RecordsDir, "libc6")); err != nil || !fi.ModTime().Equal(epoch) {
		t.Errorf("record time %v, want the epoch %v", fi.ModTime(), epoch)
	}
	// A base that records libc6 already gets no second record.
	base := t.TempDir()
	put(t, base, RecordsDir+"/libc6", []byte("Package: libc6\n"), 0o644)
	again := t.TempDir()
	if written, err := WriteRecords(host, []string{libc}, again, mustRoot(t, base), epoch); err != nil || len(written) != 0 {
		t.Errorf("with the base's record: written %q, err %v; want none", written, err)
	}
}
