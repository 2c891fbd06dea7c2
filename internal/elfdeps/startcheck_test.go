package elfdeps

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormatStartFailure(t *testing.T) {
	got := FormatStartFailure(mustPlatform(t, "linux/arm64"),
		[]Mismatch{{Path: "/usr/bin/python3", Reason: "X86_64 64-bit, target is AARCH64 64-bit"}},
		[]Missing{
			{File: "/venv/lib/python3.13/site-packages/psycopg2/_psycopg.so", Needed: "libpq.so.5"},
			{File: "/venv/lib/python3.13/site-packages/lxml/etree.so", Needed: "libxslt.so.1"},
			{File: "/venv/lib/python3.13/site-packages/lxml/objectify.so", Needed: "libxslt.so.1"},
			{File: "/opt/tool", Needed: "libweird.so.9"},
			{File: "/opt/tool", Needed: "/lib/ld-linux-aarch64.so.1", Interp: true},
		},
		map[string]string{"libpq.so.5": "libpq5", "libxslt.so.1": "libxslt1.1"})
	want := `the linux/arm64 image would not start:
  /usr/bin/python3: wrong architecture (X86_64 64-bit, target is AARCH64 64-bit)
  /venv/lib/python3.13/site-packages/psycopg2/_psycopg.so: needs libpq.so.5, which is not in the image (Debian package libpq5)
  /venv/lib/python3.13/site-packages/lxml/etree.so: needs libxslt.so.1, which is not in the image (Debian package libxslt1.1)
  /venv/lib/python3.13/site-packages/lxml/objectify.so: needs libxslt.so.1, which is not in the image (Debian package libxslt1.1)
  /opt/tool: needs libweird.so.9, which is not in the image (no package in the builder's database provides it)
  /opt/tool: its loader /lib/ld-linux-aarch64.so.1 is not in the image
add to slim.toml:
  [run] packages = ["libpq5", "libxslt1.1"]`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPackageDBReadsListsAndDistrolessStatusD(t *testing.T) {
	dir := t.TempDir()
	put(t, dir, "var/lib/dpkg/info/libpq5:arm64.list", []byte("/.\n/usr\n/usr/lib/aarch64-linux-gnu/libpq.so.5.17\n/usr/lib/aarch64-linux-gnu/libpq.so.5\n"), 0o644)
	put(t, dir, "var/lib/dpkg/info/oddball.list", []byte("/opt/odd/libpq.so.5\n"), 0o644)
	put(t, dir, "var/lib/dpkg/status.d/libssl3t64.md5sums", []byte("0123456789abcdef0123456789abcdef  usr/lib/aarch64-linux-gnu/libssl.so.3\n"), 0o644)
	put(t, dir, "var/lib/dpkg/status.d/libssl3t64", []byte("Package: libssl3t64\n"), 0o644)
	db, err := LoadPackageDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	arm := mustPlatform(t, "arm64")
	for lib, want := range map[string]string{"libpq.so.5": "libpq5", "libssl.so.3": "libssl3t64", "libnothing.so.1": ""} {
		if got := db.Provider(lib, arm); got != want {
			t.Errorf("Provider(%s) = %q, want %q", lib, got, want)
		}
	}
}

func TestStartCheckPassesOnACompleteImageAndNamesThePackageOtherwise(t *testing.T) {
	dir, _ := debianRoot(t, "/usr/bin/ls")
	amd64 := Options{Platform: mustPlatform(t, "amd64")}
	put(t, dir, "proc/self/exe", fakeELF{machine: elf.EM_AARCH64}.bytes(), 0o755) // skipped: /proc is the kernel's
	put(t, dir, "app/node_modules/x/prebuilds/linux-arm64/x.node", fakeELF{machine: elf.EM_AARCH64}.bytes(), 0o644)
	rep, err := StartCheck(mustRoot(t, dir), amd64, "")
	if err != nil {
		t.Fatalf("complete image: %v", err)
	}
	if rep.Objects < 3 || len(rep.Foreign) != 1 {
		t.Errorf("report %+v: want ls, its libraries and one foreign prebuild", rep)
	}

	lib := "usr/lib/x86_64-linux-gnu/libselinux.so.1"
	if _, err := os.Lstat(filepath.Join(dir, lib)); err != nil {
		t.Skipf("ls here does not use libselinux: %v", err)
	}
	os.Remove(filepath.Join(dir, lib))
	dpkg := t.TempDir()
	put(t, dpkg, "var/lib/dpkg/info/libselinux1:amd64.list", []byte("/usr/lib/x86_64-linux-gnu/libselinux.so.1\n"), 0o644)
	_, err = StartCheck(mustRoot(t, dir), amd64, dpkg)
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("StartCheck = %v, want a StartError", err)
	}
	msg := err.Error()
	for _, s := range []string{"/usr/bin/ls: needs libselinux.so.1", "Debian package libselinux1", `[run] packages = ["libselinux1"]`} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
}

func TestStartCheckRejectsWrongArchitectureOutsideDependencyTrees(t *testing.T) {
	dir := arm64Root(t)
	put(t, dir, "usr/local/bin/tool", fakeELF{machine: elf.EM_X86_64, typ: elf.ET_EXEC, interp: "/lib64/ld-linux-x86-64.so.2"}.bytes(), 0o755)
	_, err := StartCheck(mustRoot(t, dir), Options{Platform: mustPlatform(t, "arm64")}, "")
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("StartCheck = %v, want a StartError", err)
	}
	// arm64Root's decoys in /opt/x86 are outside any dependency tree too.
	var paths []string
	for _, w := range se.Problems.WrongArch {
		paths = append(paths, w.Path)
	}
	if got := strings.Join(paths, " "); got != "/opt/x86/libc.so.6 /opt/x86/libssl.so.3 /usr/local/bin/tool" {
		t.Errorf("wrong architecture: %s", got)
	}
	if len(se.Problems.Missing) != 0 {
		t.Errorf("unexpected missing: %v", se.Problems.Missing)
	}
}

func TestCopyRecreatesLinksAndDropsForeignPrebuilds(t *testing.T) {
	dir := arm64Root(t)
	put(t, dir, "app/node_modules/b/x64.node", fakeELF{machine: elf.EM_X86_64}.bytes(), 0o600)
	put(t, dir, "app/node_modules/b/arm.node", fakeELF{machine: elf.EM_AARCH64, needed: []string{"libssl.so.3"}}.bytes(), 0o600)
	put(t, dir, "app/node_modules/b/run.sh", []byte("#!/bin/sh\n"), 0o700)
	link(t, dir, "app/node_modules/.bin/b", "../b/run.sh")
	r := mustRoot(t, dir)
	c, err := Resolve(r, []string{"/usr/bin/app", "/app/node_modules"}, Options{Platform: mustPlatform(t, "arm64")})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	st, err := Copy(r, c, out, CopyOptions{Entries: []string{"/app/node_modules"}, DropForeign: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.DroppedFiles != 1 || st.ForeignFiles != 1 || st.DroppedBytes != c.ForeignBytes() {
		t.Errorf("stats %+v", st)
	}
	if _, err := os.Lstat(filepath.Join(out, "app/node_modules/b/x64.node")); err == nil {
		t.Error("the x86-64 prebuild was copied")
	}
	for p, want := range map[string]os.FileMode{
		"app/node_modules/b/arm.node": 0o644, "app/node_modules/b/run.sh": 0o755,
		"usr/lib/aarch64-linux-gnu/libssl.so.3.0.1": 0o644, "usr/lib/aarch64-linux-gnu": os.ModeDir | 0o755,
	} {
		fi, err := os.Lstat(filepath.Join(out, p))
		if err != nil || fi.Mode() != want {
			t.Errorf("%s: %v %v, want mode %v", p, fi.Mode(), err, want)
		}
	}
	for p, want := range map[string]string{"lib": "usr/lib", "usr/lib/aarch64-linux-gnu/libssl.so.3": "libssl.so.3.0.1", "app/node_modules/.bin/b": "../b/run.sh"} {
		if got, err := os.Readlink(filepath.Join(out, p)); err != nil || got != want {
			t.Errorf("%s -> %q, %v; want %q", p, got, err, want)
		}
	}
	// The copy is itself a complete image for the program.
	if _, err := Resolve(mustRoot(t, out), []string{"/usr/bin/app"}, Options{Platform: mustPlatform(t, "arm64")}); err == nil {
		t.Error("the copy without /usr/bin/app resolved it")
	}
	if _, err := Copy(r, c, out, CopyOptions{Entries: []string{"/usr/bin/app"}}); err != nil {
		t.Fatalf("copying again onto the same tree: %v", err)
	}
	if _, err := StartCheck(mustRoot(t, out), Options{Platform: mustPlatform(t, "arm64")}, ""); err != nil {
		t.Errorf("StartCheck of the copy: %v", err)
	}
}

// BenchmarkResolveNodeModulesLike resolves a synthetic node_modules of 3000
// files: 2900 JavaScript/JSON files, 60 target addons, 40 foreign prebuilds.
func BenchmarkResolveNodeModulesLike(b *testing.B) {
	dir := b.TempDir()
	a := elf.EM_AARCH64
	put(b, dir, "usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", fakeELF{machine: a}.bytes(), 0o755)
	link(b, dir, "lib", "usr/lib")
	link(b, dir, "usr/lib/ld-linux-aarch64.so.1", "aarch64-linux-gnu/ld-linux-aarch64.so.1")
	put(b, dir, "usr/lib/aarch64-linux-gnu/libc.so.6", fakeELF{machine: a, needed: []string{"ld-linux-aarch64.so.1"}}.bytes(), 0o755)
	put(b, dir, "usr/lib/aarch64-linux-gnu/libstdc++.so.6", fakeELF{machine: a, needed: []string{"libc.so.6"}}.bytes(), 0o644)
	put(b, dir, "usr/bin/node", fakeELF{machine: a, typ: elf.ET_EXEC, interp: "/lib/ld-linux-aarch64.so.1", needed: []string{"libstdc++.so.6", "libc.so.6"}}.bytes(), 0o755)
	js := []byte(strings.Repeat("module.exports = function () { return 42 }\n", 20))
	for i := 0; i < 3000; i++ {
		p := fmt.Sprintf("app/node_modules/pkg%03d/lib/file%d", i/10, i%10)
		switch {
		case i%50 == 0:
			put(b, dir, p+".node", fakeELF{machine: a, needed: []string{"libstdc++.so.6", "libc.so.6"}}.bytes(), 0o644)
		case i%75 == 1:
			put(b, dir, p+".node", fakeELF{machine: elf.EM_X86_64, needed: []string{"libc.so.6"}}.bytes(), 0o644)
		default:
			put(b, dir, p+".js", js, 0o644)
		}
	}
	r := mustRoot(b, dir)
	opts := Options{Platform: mustPlatform(b, "arm64")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := Resolve(r, []string{"/usr/bin/node", "/app/node_modules"}, opts)
		if err != nil || len(c.Foreign) != 40 || len(c.Files) != 3 {
			b.Fatalf("%v foreign=%d files=%v", err, len(c.Foreign), c.Files)
		}
	}
}
