package elfdeps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Prebuilds for macOS and Windows next to the Linux ones (bcrypt ships
// darwin-*/bcrypt.node and win32-*/bcrypt.node) are foreign in a
// dependency tree; files that merely start with "MZ" but are not native
// modules, and such modules outside dependency trees, are left alone.
func TestOtherOSModulesInDependencyTreesAreForeign(t *testing.T) {
	dir := t.TempDir()
	put(t, dir, "app/node_modules/x/prebuilds/darwin-arm64/x.node", []byte("\xcf\xfa\xed\xfe\x0c\x00\x00\x01rest"), 0o644)
	put(t, dir, "app/node_modules/x/prebuilds/win32-x64/x.node", []byte("MZ\x90\x00rest"), 0o644)
	put(t, dir, "app/node_modules/x/README.md", []byte("MZ is not a module\n"), 0o644)
	put(t, dir, "app/lib/other.dylib", []byte("\xcf\xfa\xed\xfe\x0c\x00\x00\x01rest"), 0o644)
	root, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ParsePlatform("linux/amd64")
	c, err := Resolve(root, []string{"/app"}, Options{Platform: p})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range c.Foreign {
		got[f.Path] = f.Reason
	}
	want := map[string]string{
		"/app/node_modules/x/prebuilds/darwin-arm64/x.node": "Mach-O (macOS), target is Linux",
		"/app/node_modules/x/prebuilds/win32-x64/x.node":    "PE (Windows), target is Linux",
	}
	if len(got) != len(want) {
		t.Fatalf("foreign: %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}

// Hard links in a copied tree stay hard links (node-gyp's make links
// build/Release/x.node to obj.target/x.node): the image stores the bytes once.
func TestCopyKeepsHardLinks(t *testing.T) {
	dir := t.TempDir()
	put(t, dir, "app/node_modules/x/build/Release/obj.target/x.node", []byte("not elf, but a module's bytes"), 0o755)
	a := filepath.Join(dir, "app/node_modules/x/build/Release/obj.target/x.node")
	b := filepath.Join(dir, "app/node_modules/x/build/Release/x.node")
	if err := os.Link(a, b); err != nil {
		t.Skipf("no hard links on this filesystem: %v", err)
	}
	root, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ParsePlatform("linux/amd64")
	c, err := Resolve(root, []string{"/app/node_modules"}, Options{Platform: p})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	st, err := Copy(root, c, out, CopyOptions{Entries: []string{"/app/node_modules"}})
	if err != nil {
		t.Fatal(err)
	}
	fa, err1 := os.Stat(filepath.Join(out, "app/node_modules/x/build/Release/obj.target/x.node"))
	fb, err2 := os.Stat(filepath.Join(out, "app/node_modules/x/build/Release/x.node"))
	if err1 != nil || err2 != nil || !os.SameFile(fa, fb) {
		t.Errorf("the two names are not one file in the copy: %v %v", err1, err2)
	}
	if st.Files != 1 {
		t.Errorf("%d files written, want 1 (the second name is a link)", st.Files)
	}
}

// Without a package database the message names no package and does not
// claim that none provides the library; with one, it names it and the line
// to add.
func TestStartFailureWithoutPackageDatabase(t *testing.T) {
	p, _ := ParsePlatform("linux/amd64")
	missing := []Missing{{File: "/app/x.so", Needed: "libpq.so.5"}}
	got := FormatStartFailure(p, nil, missing, nil)
	if want := "the linux/amd64 image would not start:\n  /app/x.so: needs libpq.so.5, which is not in the image"; got != want {
		t.Errorf("without a database:\n%s\nwant\n%s", got, want)
	}
	got = FormatStartFailure(p, nil, missing, map[string]string{"libpq.so.5": "libpq5"})
	if want := "(Debian package libpq5)\nadd to slim.toml:\n  [run] packages = [\"libpq5\"]"; !strings.HasSuffix(got, want) {
		t.Errorf("with a database:\n%s", got)
	}
}
