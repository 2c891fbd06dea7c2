package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/elfdeps"
)

// aarch64Header is a bare 64-bit aarch64 shared-object header: a foreign
// prebuild for an amd64 image.
func aarch64Header() []byte {
	b := make([]byte, 64)
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS], b[elf.EI_DATA], b[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	binary.LittleEndian.PutUint16(b[16:], uint16(elf.ET_DYN))
	binary.LittleEndian.PutUint16(b[18:], uint16(elf.EM_AARCH64))
	binary.LittleEndian.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	binary.LittleEndian.PutUint16(b[52:], 64)
	return b
}

func write(t *testing.T, dir, p string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, p), data, mode); err != nil {
		t.Fatal(err)
	}
}

func TestClosureAndStartCheckSubcommands(t *testing.T) {
	ls, err := os.ReadFile("/usr/bin/ls")
	if err != nil {
		t.Skipf("no /usr/bin/ls on this machine: %v", err)
	}
	// Stage 1: the host is the "target stage"; take ls's closure from it.
	libs := t.TempDir()
	var stdout, stderr bytes.Buffer
	if rc := runClosure([]string{"--root", "/", "--platform", "linux/amd64", "--out", libs, "/usr/bin/ls"}, &stdout, &stderr); rc != 0 {
		t.Fatalf("closure: rc %d: %s", rc, stderr.String())
	}
	var sum closureSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.Files < 2 || sum.Bytes == 0 || strings.Count(stdout.String(), "\n") != 1 {
		t.Fatalf("summary %q: %+v, %v", stdout.String(), sum, err)
	}

	// Stage 2: an app root with ls and a node_modules holding an arm64 prebuild.
	app := t.TempDir()
	write(t, app, "usr/bin/ls", ls, 0o755)
	write(t, app, "app/node_modules/x/prebuilds/linux-arm64/x.node", aarch64Header(), 0o644)
	write(t, app, "app/node_modules/x/index.js", []byte("module.exports = {}\n"), 0o644)
	final := t.TempDir()
	stdout.Reset()
	if rc := runClosure([]string{"--root", app, "--platform", "amd64", "--out", final, "--entries", "--drop-foreign", "/app", "/usr/bin/ls"}, &stdout, &stderr); rc != 1 {
		t.Fatalf("closure in a root without libc: rc %d, want 1 (missing libraries)", rc)
	}
	if !strings.Contains(stderr.String(), "/usr/bin/ls: needs libc.so.6, which is not in the image") {
		t.Errorf("stderr: %s", stderr.String())
	}

	// The final image: libraries + the app, foreign prebuild dropped.
	if err := os.CopyFS(final, os.DirFS(libs)); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if rc := runClosure([]string{"--root", app, "--platform", "amd64", "--out", final, "--entries", "--drop-foreign", "/app"}, &stdout, &stderr); rc != 0 {
		t.Fatalf("closure of /app: rc %d: %s", rc, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.DroppedFiles != 1 || sum.DroppedBytes != 64 {
		t.Errorf("summary %q: want the 64-byte prebuild dropped", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(final, "app/node_modules/x/prebuilds/linux-arm64/x.node")); err == nil {
		t.Error("the foreign prebuild was copied")
	}
	write(t, final, "usr/bin/ls", ls, 0o755)
	stdout.Reset()
	stderr.Reset()
	if rc := runStartCheck([]string{"--root", final, "--platform", "linux/amd64"}, &stdout, &stderr); rc != 0 {
		t.Fatalf("startcheck of a complete image: rc %d: %s", rc, stderr.String())
	}

	// Take libc away: the check fails and names the package.
	os.Remove(filepath.Join(final, "usr/lib/x86_64-linux-gnu/libc.so.6"))
	dpkg := t.TempDir()
	write(t, dpkg, "var/lib/dpkg/info/libc6:amd64.list", []byte("/usr/lib/x86_64-linux-gnu/libc.so.6\n"), 0o644)
	stderr.Reset()
	if rc := runStartCheck([]string{"--root", final, "--platform", "linux/amd64", "--dpkg", dpkg}, &stdout, &stderr); rc != 1 {
		t.Fatalf("startcheck without libc: rc %d, want 1", rc)
	}
	if !strings.Contains(stderr.String(), `[run] packages = ["libc6"]`) {
		t.Errorf("stderr lacks the line to add:\n%s", stderr.String())
	}
}

func TestSubcommandUsageErrors(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{"--root", "/", "--platform", "linux/amd64", "--out", t.TempDir()},                                  // no entry
		{"--root", "/", "--platform", "linux/amd64", "--out", t.TempDir(), "--drop-foreign", "/usr/bin/ls"}, // without --entries
		{"--root", "/", "--platform", "linux/mips", "--out", t.TempDir(), "/usr/bin/ls"},
	} {
		if rc := runClosure(args, &out, &errb); rc != 2 {
			t.Errorf("closure %v: rc %d, want 2", args, rc)
		}
	}
	if rc := runStartCheck([]string{"--root", "/nonexistent", "--platform", "linux/amd64"}, &out, &errb); rc != 2 {
		t.Errorf("startcheck of a missing root: rc %d, want 2", rc)
	}
}

// --tree copies a dependency tree whole without its foreign prebuilds, into
// an --out directory that does not exist yet (a closure with no library
// must still leave a directory for the image to copy).
func TestClosureTreeCopiesTheTreeWithoutForeignPrebuilds(t *testing.T) {
	app := t.TempDir()
	write(t, app, "app/node_modules/x/prebuilds/linux-arm64/x.node", aarch64Header(), 0o644)
	write(t, app, "app/node_modules/x/index.js", []byte("module.exports = {}\n"), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	if rc := runClosure([]string{"--root", app, "--platform", "linux/amd64", "--out", out, "--tree", "/app/node_modules"}, &stdout, &stderr); rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	var sum closureSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.DroppedFiles != 1 || sum.DroppedBytes != 64 || sum.Files != 1 {
		t.Errorf("summary %q: want index.js copied and the 64-byte prebuild dropped", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(out, "app/node_modules/x/index.js")); err != nil {
		t.Errorf("the tree was not copied: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "app/node_modules/x/prebuilds/linux-arm64/x.node")); err == nil {
		t.Error("the foreign prebuild was copied")
	}
}

// --trim writes the trimming report into the copy (the image carries it)
// with the same numbers as the JSON line, dated $SOURCE_DATE_EPOCH; without
// --trim there is no report file.
func TestClosureTrimWritesTheReportIntoTheImage(t *testing.T) {
	app := t.TempDir()
	write(t, app, "app/node_modules/x/package.json", []byte(`{"name":"x","main":"index.js"}`), 0o644)
	write(t, app, "app/node_modules/x/index.js", []byte("module.exports = {}\n"), 0o644)
	write(t, app, "app/node_modules/x/test/t.js", []byte("require('assert')\n"), 0o644)
	write(t, app, "app/node_modules/x/README.md", []byte("# x\n"), 0o644)
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	for _, trim := range []bool{true, false} {
		out := filepath.Join(t.TempDir(), "out")
		args := []string{"--root", app, "--platform", "linux/amd64", "--out", out, "--tree", "/app/node_modules"}
		if trim {
			args = append(args, "--trim")
		}
		var stdout, stderr bytes.Buffer
		if rc := runClosure(args, &stdout, &stderr); rc != 0 {
			t.Fatalf("rc %d: %s", rc, stderr.String())
		}
		p := filepath.Join(out, elfdeps.TrimReportPath)
		b, err := os.ReadFile(p)
		if !trim {
			if err == nil {
				t.Errorf("without --trim the copy has %s", elfdeps.TrimReportPath)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var sum closureSummary
		if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.Trimmed == nil {
			t.Fatalf("summary %q: %v", stdout.String(), err)
		}
		r, err := elfdeps.ReadTrimReport(b)
		if err != nil {
			t.Fatal(err)
		}
		if r.Files != 2 || r.Bytes != sum.Trimmed.Bytes || r.Packages["x"] != r.Bytes || len(r.Trees) != 1 || r.Trees[0] != "/app/node_modules" {
			t.Errorf("report %+v, JSON line %+v: want test/t.js and README.md of x, as in the line", r, sum.Trimmed)
		}
		if fi, err := os.Stat(p); err != nil || fi.ModTime().Unix() != 1700000000 {
			t.Errorf("report time %v (%v), want $SOURCE_DATE_EPOCH", fi.ModTime(), err)
		}
	}
}

// --stdlib-ext with --trim and --stdlib-graph copies the extension modules
// something imports to DEST and leaves out the others with the libraries
// only they load, reported as kind stdlib-extensions; without --trim every
// module is copied. The host is the root (its libraries resolve): _keep is
// a copy of ls (libselinux), _drop one of libxml2 (ICU, zlib, lzma).
func TestClosureStdlibExtLeavesOutWhatNothingImports(t *testing.T) {
	ls, err1 := os.ReadFile("/usr/bin/ls")
	xml, err2 := os.ReadFile("/usr/lib/x86_64-linux-gnu/libxml2.so.2")
	if err1 != nil || err2 != nil {
		t.Skipf("needs /usr/bin/ls and libxml2 on this machine: %v %v", err1, err2)
	}
	tmp := t.TempDir() // an image path too: the root is /
	dyn := filepath.Join(tmp, "rootfs/usr/lib/python3.13/lib-dynload")
	write(t, dyn, "_keep.cpython-313-x86_64-linux-gnu.so", ls, 0o755)
	write(t, dyn, "_drop.cpython-313-x86_64-linux-gnu.so", xml, 0o644)
	write(t, tmp, "graph.json", []byte(`{"tops": {"keepme": ["_keep"], "dropme": ["_drop"]}, "startup": []}`), 0o644)
	write(t, tmp, "venv/lib/python3.13/site-packages/a.py", []byte("def f():\n    import keepme\n"), 0o644)
	for _, trim := range []bool{true, false} {
		out := filepath.Join(t.TempDir(), "out")
		args := []string{"--root", "/", "--platform", "linux/amd64", "--out", out, "--tree", filepath.Join(tmp, "venv"),
			"--stdlib-ext", dyn + "=/usr/lib/python3.13/lib-dynload", "--stdlib-graph", filepath.Join(tmp, "graph.json")}
		if trim {
			args = append(args, "--trim")
		}
		var stdout, stderr bytes.Buffer
		if rc := runClosure(args, &stdout, &stderr); rc != 0 {
			t.Fatalf("rc %d: %s", rc, stderr.String())
		}
		dest := filepath.Join(out, "usr/lib/python3.13/lib-dynload")
		_, keepErr := os.Stat(filepath.Join(dest, "_keep.cpython-313-x86_64-linux-gnu.so"))
		_, dropErr := os.Stat(filepath.Join(dest, "_drop.cpython-313-x86_64-linux-gnu.so"))
		icu, _ := filepath.Glob(filepath.Join(out, "usr/lib/x86_64-linux-gnu/libicuuc.so*"))
		if keepErr != nil || (dropErr == nil) == trim || (len(icu) > 0) == trim {
			t.Errorf("trim %v: _keep %v, _drop %v, libicuuc %v", trim, keepErr, dropErr, icu)
		}
		var sum closureSummary
		if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
			t.Fatal(err)
		}
		if !trim {
			continue
		}
		r := sum.Trimmed
		if r != nil {
			t.Logf("left out: %v, %d bytes", r.Stdlib, r.Kinds["stdlib-extensions"])
		}
		if r == nil || len(r.Stdlib) < 2 || r.Stdlib[0] != "_drop" || !strings.HasPrefix(strings.Join(r.Stdlib, " "), "_drop lib") ||
			r.Kinds["stdlib-extensions"] <= int64(len(xml)) || r.Packages["stdlib"] != r.Kinds["stdlib-extensions"] {
			t.Errorf("report: %+v", r)
		}
		if strings.Contains(strings.Join(r.Stdlib, " "), "libselinux") {
			t.Errorf("a library _keep loads is reported as left out: %v", r.Stdlib)
		}
	}
}
