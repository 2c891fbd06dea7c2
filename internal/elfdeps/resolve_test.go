package elfdeps

import (
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestInspectHostAndCraftedFiles(t *testing.T) {
	host := mustRoot(t, "/")
	info, err := Inspect(host, "/usr/bin/ls")
	if err != nil {
		t.Skipf("no /usr/bin/ls to inspect: %v", err)
	}
	if info.Machine != elf.EM_X86_64 || info.Libc != Glibc || info.Interp == "" || info.Static() || !contains(info.Needed, "libc.so.6") {
		t.Errorf("ls: %+v, want an x86-64 glibc executable needing libc.so.6", info)
	}

	dir := t.TempDir()
	put(t, dir, "musl", fakeELF{machine: elf.EM_X86_64, typ: elf.ET_EXEC, interp: "/lib/ld-musl-x86_64.so.1", needed: []string{"libc.musl-x86_64.so.1"}}.bytes(), 0o755)
	put(t, dir, "arm", fakeELF{machine: elf.EM_AARCH64, needed: []string{"libc.so.6"}, soname: "libarm.so.1", runpath: "$ORIGIN"}.bytes(), 0o644)
	put(t, dir, "text", []byte("#!/bin/sh\n"), 0o755)
	r := mustRoot(t, dir)
	m, err := Inspect(r, "/musl")
	if err != nil || m.Libc != Musl || m.Interp != "/lib/ld-musl-x86_64.so.1" {
		t.Errorf("musl: %+v, %v", m, err)
	}
	a, err := Inspect(r, "/arm")
	if err != nil || a.Machine != elf.EM_AARCH64 || a.Soname != "libarm.so.1" || len(a.RunPath) != 1 || a.RunPath[0] != "$ORIGIN" || a.Libc != Glibc {
		t.Errorf("arm: %+v, %v", a, err)
	}
	if _, err := Inspect(r, "/text"); !errors.Is(err, ErrNotELF) {
		t.Errorf("a script: %v, want ErrNotELF", err)
	}
}

// TestResolveAgreesWithTheLoader resolves a host program in the host root
// and compares with what ldd (the real loader in trace mode) resolves.
func TestResolveAgreesWithTheLoader(t *testing.T) {
	bin := "/usr/bin/python3.11"
	if _, err := os.Stat(bin); err != nil {
		bin = "/usr/bin/ls"
	}
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		t.Skipf("ldd not usable here: %v", err)
	}
	var want []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		var p string
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			p = f[2]
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			p = f[0]
		default:
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, real)
	}
	sort.Strings(want)
	c, err := Resolve(mustRoot(t, "/"), []string{bin}, Options{Platform: mustPlatform(t, "linux/amd64")})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Files, "\n") != strings.Join(want, "\n") {
		t.Errorf("closure of %s:\n%s\nldd:\n%s", bin, strings.Join(c.Files, "\n"), strings.Join(want, "\n"))
	}
}

// debianRoot copies a host program and its closure into a fresh merged-usr
// Debian-like root and returns it with the program's image path.
func debianRoot(t *testing.T, bin string) (string, *Closure) {
	t.Helper()
	host := mustRoot(t, "/")
	amd64 := mustPlatform(t, "amd64")
	c, err := Resolve(host, []string{bin}, Options{Platform: amd64})
	if err != nil {
		t.Skipf("host closure of %s: %v", bin, err)
	}
	dir := t.TempDir()
	if _, err := Copy(host, c, dir, CopyOptions{Entries: []string{bin}}); err != nil {
		t.Fatal(err)
	}
	return dir, c
}

func TestClosureCopyRunsTheSameSearchInsideTheCopy(t *testing.T) {
	dir, hostClosure := debianRoot(t, "/usr/bin/ls")
	c, err := Resolve(mustRoot(t, dir), []string{"/usr/bin/ls"}, Options{Platform: mustPlatform(t, "amd64")})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Files, " ") != strings.Join(hostClosure.Files, " ") {
		t.Errorf("in the copy: %v\non the host: %v", c.Files, hostClosure.Files)
	}
	// The loader is reachable at the path ls names, through the copied links.
	info, err := Inspect(mustRoot(t, dir), "/usr/bin/ls")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, info.Interp)); err != nil {
		t.Errorf("interpreter %s not reachable in the copy: %v", info.Interp, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "usr/lib/x86_64-linux-gnu/libc.so.6")); err != nil {
		t.Errorf("libc.so.6 (the name DT_NEEDED uses) not in the copy: %v", err)
	}
}

func TestMissingLibraryIsReportedPerFile(t *testing.T) {
	dir, _ := debianRoot(t, "/usr/bin/ls")
	os.Remove(filepath.Join(dir, "usr/lib/x86_64-linux-gnu/libselinux.so.1"))
	_, err := Resolve(mustRoot(t, dir), []string{"/usr/bin/ls"}, Options{Platform: mustPlatform(t, "amd64")})
	var e *Error
	if !errors.As(err, &e) || len(e.Missing) != 1 || e.Missing[0] != (Missing{File: "/usr/bin/ls", Needed: "libselinux.so.1"}) {
		t.Fatalf("Resolve = %v, want ls missing libselinux.so.1", err)
	}
}

// TestOriginRunpathAndRpath builds with gcc: prog -> libfoo -> libbar, all
// under /opt/app with $ORIGIN paths. DT_RPATH of the program is inherited
// by libfoo's search; DT_RUNPATH is not (ld.so(8)).
func TestOriginRunpathAndRpath(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed: cannot build the $ORIGIN test objects")
	}
	src := t.TempDir()
	write := func(name, s string) { put(t, src, name, []byte(s), 0o644) }
	write("bar.c", "int bar(void){return 1;}\n")
	write("foo.c", "int bar(void); int foo(void){return bar();}\n")
	write("main.c", "int foo(void); int main(void){return foo();}\n")
	gcc := func(args ...string) {
		cmd := exec.Command("gcc", args...)
		cmd.Dir = src
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, b)
		}
	}
	gcc("-shared", "-fPIC", "-o", "libbar.so", "bar.c")
	gcc("-shared", "-fPIC", "-o", "libfoo.so", "foo.c", "-L.", "-lbar")
	gcc("-o", "prog-runpath", "main.c", "-L.", "-lfoo", "-Wl,--allow-shlib-undefined", "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib")
	gcc("-o", "prog-rpath", "main.c", "-L.", "-lfoo", "-Wl,--allow-shlib-undefined", "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib")

	for _, tc := range []struct {
		prog    string
		missing bool
	}{{"prog-rpath", false}, {"prog-runpath", true}} {
		dir, _ := debianRoot(t, "/usr/bin/ls") // libc and the loader
		copyHost(t, dir, filepath.Join(src, tc.prog), "/opt/app/bin/prog")
		copyHost(t, dir, filepath.Join(src, "libfoo.so"), "/opt/app/lib/libfoo.so")
		copyHost(t, dir, filepath.Join(src, "libbar.so"), "/opt/app/lib/libbar.so")
		c, err := Resolve(mustRoot(t, dir), []string{"/opt/app/bin/prog"}, Options{Platform: mustPlatform(t, "amd64")})
		if !contains(c.Files, "/opt/app/lib/libfoo.so") {
			t.Errorf("%s: libfoo.so not found through $ORIGIN/../lib: %v", tc.prog, c.Files)
		}
		var e *Error
		gotMissing := errors.As(err, &e) && len(e.Missing) == 1 && e.Missing[0] == Missing{File: "/opt/app/lib/libfoo.so", Needed: "libbar.so"}
		if tc.missing != gotMissing || (!tc.missing && err != nil) {
			t.Errorf("%s: err = %v; want libbar.so missing: %v", tc.prog, err, tc.missing)
		}
	}
}

// arm64Root is a Debian arm64 root made of crafted objects, with an x86-64
// libc in an ld.so.conf directory searched before the right one.
func arm64Root(t *testing.T) string {
	dir := t.TempDir()
	a := elf.EM_AARCH64
	put(t, dir, "usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", fakeELF{machine: a, soname: "ld-linux-aarch64.so.1"}.bytes(), 0o755)
	link(t, dir, "lib", "usr/lib")
	link(t, dir, "usr/lib/ld-linux-aarch64.so.1", "aarch64-linux-gnu/ld-linux-aarch64.so.1") // as Debian's libc6:arm64
	put(t, dir, "usr/lib/aarch64-linux-gnu/libc.so.6", fakeELF{machine: a, soname: "libc.so.6", needed: []string{"ld-linux-aarch64.so.1"}, interp: "/lib/ld-linux-aarch64.so.1"}.bytes(), 0o755)
	put(t, dir, "usr/lib/aarch64-linux-gnu/libssl.so.3.0.1", fakeELF{machine: a, soname: "libssl.so.3", needed: []string{"libc.so.6"}}.bytes(), 0o644)
	link(t, dir, "usr/lib/aarch64-linux-gnu/libssl.so.3", "libssl.so.3.0.1")
	put(t, dir, "opt/x86/libc.so.6", fakeELF{machine: elf.EM_X86_64, soname: "libc.so.6"}.bytes(), 0o644)
	put(t, dir, "opt/x86/libssl.so.3", fakeELF{machine: elf.EM_AARCH64, class32: true}.bytes(), 0o644)
	put(t, dir, "etc/ld.so.conf", []byte("# comment\ninclude ld.so.conf.d/*.conf\n"), 0o644)
	put(t, dir, "etc/ld.so.conf.d/0-x86.conf", []byte("/opt/x86\n"), 0o644)
	put(t, dir, "usr/bin/app", fakeELF{machine: a, typ: elf.ET_EXEC, interp: "/lib/ld-linux-aarch64.so.1", needed: []string{"libssl.so.3", "libc.so.6"}}.bytes(), 0o755)
	return dir
}

func TestResolveForAnotherArchitectureSkipsIncompatibleCandidates(t *testing.T) {
	dir := arm64Root(t)
	r := mustRoot(t, dir)
	dirs, err := LdSoConfDirs(r)
	if err != nil || len(dirs) != 1 || dirs[0] != "/opt/x86" {
		t.Fatalf("LdSoConfDirs = %v, %v", dirs, err)
	}
	c, err := Resolve(r, []string{"/usr/bin/app"}, Options{Platform: mustPlatform(t, "linux/arm64")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", "/usr/lib/aarch64-linux-gnu/libc.so.6", "/usr/lib/aarch64-linux-gnu/libssl.so.3.0.1"}
	if strings.Join(c.Files, " ") != strings.Join(want, " ") {
		t.Errorf("Files = %v, want %v (the x86-64 and 32-bit candidates skipped)", c.Files, want)
	}
	if !containsLink(c.Links, Link{"/usr/lib/aarch64-linux-gnu/libssl.so.3", "libssl.so.3.0.1"}) || !containsLink(c.Links, Link{"/lib", "usr/lib"}) {
		t.Errorf("Links = %v, want the soname link and /lib", c.Links)
	}
	if c.Libc != Glibc {
		t.Errorf("Libc = %q, want glibc detected from the loader", c.Libc)
	}

	// The same image for amd64 is the wrong architecture.
	_, err = Resolve(r, []string{"/usr/bin/app"}, Options{Platform: mustPlatform(t, "linux/amd64")})
	var e *Error
	if !errors.As(err, &e) || len(e.WrongArch) != 1 || e.WrongArch[0].Path != "/usr/bin/app" || !strings.Contains(e.WrongArch[0].Reason, "AARCH64") {
		t.Errorf("amd64 target: %v, want /usr/bin/app as wrong architecture", err)
	}
}

func TestForeignPrebuildsInDependencyTreesAreReportedNotFatal(t *testing.T) {
	dir := arm64Root(t)
	nm := "app/node_modules/bcrypt/prebuilds"
	x86 := fakeELF{machine: elf.EM_X86_64, needed: []string{"libc.so.6"}}.bytes()
	musl := fakeELF{machine: elf.EM_AARCH64, needed: []string{"libc.musl-aarch64.so.1"}}.bytes()
	good := fakeELF{machine: elf.EM_AARCH64, needed: []string{"libssl.so.3"}}.bytes()
	put(t, dir, nm+"/linux-x64/bcrypt.node", x86, 0o644)
	put(t, dir, nm+"/linux-arm64-musl/bcrypt.node", musl, 0o644)
	put(t, dir, nm+"/linux-arm64/bcrypt.node", good, 0o644)
	put(t, dir, "app/node_modules/bcrypt/index.js", []byte("module.exports = 1\n"), 0o644)
	r := mustRoot(t, dir)
	c, err := Resolve(r, []string{"/usr/bin/app", "/app/node_modules"}, Options{Platform: mustPlatform(t, "arm64")})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Foreign) != 2 || c.Foreign[0].Path != "/"+nm+"/linux-arm64-musl/bcrypt.node" || c.Foreign[1].Path != "/"+nm+"/linux-x64/bcrypt.node" {
		t.Fatalf("Foreign = %+v", c.Foreign)
	}
	if c.ForeignBytes() != int64(len(x86)+len(musl)) {
		t.Errorf("ForeignBytes = %d, want %d", c.ForeignBytes(), len(x86)+len(musl))
	}
	if !strings.Contains(c.Foreign[0].Reason, "musl") {
		t.Errorf("musl prebuild reason: %q", c.Foreign[0].Reason)
	}
	if !contains(c.Objects, "/"+nm+"/linux-arm64/bcrypt.node") {
		t.Errorf("the arm64 glibc prebuild is not resolved: %v", c.Objects)
	}

	// Outside a dependency tree the same x86-64 file is an error.
	put(t, dir, "usr/lib/python3/lib-dynload/_ssl.so", x86, 0o644)
	_, err = Resolve(r, []string{"/usr/lib/python3/lib-dynload"}, Options{Platform: mustPlatform(t, "arm64")})
	var e *Error
	if !errors.As(err, &e) || len(e.WrongArch) != 1 || e.WrongArch[0].Path != "/usr/lib/python3/lib-dynload/_ssl.so" {
		t.Errorf("x86-64 extension module for arm64: %v, want a wrong-architecture error", err)
	}
}

func TestMuslTarget(t *testing.T) {
	dir := t.TempDir()
	x := elf.EM_X86_64
	put(t, dir, "lib/ld-musl-x86_64.so.1", fakeELF{machine: x, soname: "libc.musl-x86_64.so.1"}.bytes(), 0o755)
	link(t, dir, "lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
	put(t, dir, "usr/lib/libstdc++.so.6", fakeELF{machine: x, soname: "libstdc++.so.6", needed: []string{"libc.musl-x86_64.so.1"}}.bytes(), 0o644)
	put(t, dir, "usr/bin/node", fakeELF{machine: x, typ: elf.ET_EXEC, interp: "/lib/ld-musl-x86_64.so.1", needed: []string{"libstdc++.so.6", "libc.musl-x86_64.so.1"}}.bytes(), 0o755)
	put(t, dir, "app/node_modules/x/glibc.node", fakeELF{machine: x, needed: []string{"libc.so.6"}}.bytes(), 0o644)
	c, err := Resolve(mustRoot(t, dir), []string{"/usr/bin/node", "/app"}, Options{Platform: mustPlatform(t, "amd64")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Libc != Musl || strings.Join(c.Files, " ") != "/lib/ld-musl-x86_64.so.1 /usr/lib/libstdc++.so.6" {
		t.Errorf("libc %q, Files %v", c.Libc, c.Files)
	}
	if len(c.Foreign) != 1 || !strings.Contains(c.Foreign[0].Reason, "glibc") {
		t.Errorf("Foreign = %+v, want the glibc prebuild", c.Foreign)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func containsLink(ls []Link, l Link) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

func TestCopyLeavesOutWhatTheBaseHasAndSkippedTrees(t *testing.T) {
	// A base image that has the C library (like distroless base) and the
	// app's ls closure resolved on the host: the copy over that base holds
	// the other libraries only.
	base, _ := debianRoot(t, "/usr/bin/true")
	host := mustRoot(t, "/")
	c, err := Resolve(host, []string{"/usr/bin/ls"}, Options{Platform: mustPlatform(t, "amd64")})
	if err != nil {
		t.Skipf("host closure of ls: %v", err)
	}
	out := t.TempDir()
	if _, err := Copy(host, c, out, CopyOptions{Have: mustRoot(t, base)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(out, "usr/lib/x86_64-linux-gnu/libc.so.6")); err == nil {
		t.Error("libc.so.6 copied although the base has it")
	}
	var copied int
	for _, f := range c.Files {
		if _, err := os.Lstat(filepath.Join(out, f)); err == nil {
			copied++
		}
	}
	if copied == 0 || copied == len(c.Files) {
		t.Errorf("%d of %d closure files copied; want the ones the base lacks (ls needs libselinux, true does not)", copied, len(c.Files))
	}
	skipped := t.TempDir()
	if _, err := Copy(host, c, skipped, CopyOptions{Skip: []string{"/usr/lib"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(skipped, "usr/lib/x86_64-linux-gnu")); err == nil {
		t.Error("a skipped tree's libraries were copied")
	}
}

func TestLibcOfTellsMuslFromGlibcByWhatAnObjectNeeds(t *testing.T) {
	for _, c := range []struct {
		interp string
		needed []string
		want   Libc
	}{
		{"/lib/ld-musl-aarch64.so.1", nil, Musl},
		{"/lib64/ld-linux-x86-64.so.2", nil, Glibc},
		{"", []string{"libc.musl-x86_64.so.1"}, Musl},
		{"", []string{"libstdc++.so.6", "libc.so"}, Musl}, // upstream musl soname (bcrypt's *.musl.node)
		{"", []string{"libm.so.6", "libc.so.6"}, Glibc},
		{"", []string{"libz.so.1"}, LibcUnknown},
	} {
		if got := libcOf(c.interp, c.needed); got != c.want {
			t.Errorf("libcOf(%q, %q) = %v, want %v", c.interp, c.needed, got, c.want)
		}
	}
}
