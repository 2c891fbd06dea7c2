package debpkg

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCompareVersionsFollowsDpkg(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0~rc1", "1.0", -1}, {"1:0.9", "2.0", 1}, {"3.0.17-1~deb13u2", "3.0.16-1", 1},
		{"2.41-12", "2.41-12+deb13u1", -1}, {"1.10", "1.9", 1}, {"1.0a", "1.0", 1},
	} {
		if got := CompareVersions(c.a, c.b); (got > 0) != (c.want > 0) || (got < 0) != (c.want < 0) {
			t.Errorf("CompareVersions(%q, %q) = %d, want sign %d", c.a, c.b, got, c.want)
		}
	}
}

func testIndex() *Index {
	return NewIndex("arm64",
		&Package{Name: "libmagic1t64", Version: "1:5.46-5", Arch: "arm64", Provides: []string{"libmagic1"},
			Depends: parseDeps("libbz2-1.0, libc6 (>= 2.38), liblzma5 (>= 5.1.1alpha+20120614), libzstd1 (>= 1.5.5), zlib1g (>= 1:1.1.4), libmagic-mgc (= 1:5.46-5)")},
		&Package{Name: "libmagic-mgc", Version: "1:5.46-5", Arch: "arm64"},
		&Package{Name: "libc6", Version: "2.41-12", Arch: "arm64", Depends: parseDeps("libgcc-s1")},
		&Package{Name: "libgcc-s1", Version: "14.2.0-19", Arch: "arm64"},
		&Package{Name: "libbz2-1.0", Version: "1.0.8-6", Arch: "arm64"},
		&Package{Name: "liblzma5", Version: "5.8.1-1", Arch: "arm64"},
		&Package{Name: "libzstd1", Version: "1.5.7+dfsg-1", Arch: "arm64"},
		&Package{Name: "zlib1g", Version: "1:1.3.dfsg+really1.3.1-1+b1", Arch: "arm64"},
		&Package{Name: "tzdata", Version: "2025b-4", Arch: "all", Depends: parseDeps("debconf (>= 0.5) | debconf-2.0")},
		&Package{Name: "debconf", Version: "1.5.91", Arch: "all", Essential: false},
		&Package{Name: "bash", Version: "5.2", Arch: "arm64", Essential: true},
		&Package{Name: "tool", Version: "1", Arch: "arm64", Depends: parseDeps("bash, libc6")},
	)
}

// Dependencies the base records stop the walk: libc6 is there, so its
// own dependency libgcc-s1 is not pulled in; a virtual name resolves to
// its provider only when named as a dependency.
func TestResolveSubtractsWhatTheImageHas(t *testing.T) {
	ix := testIndex()
	res, err := ix.Resolve([]string{"libmagic1t64"}, map[string]bool{"libc6": true, "zlib1g": true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Install {
		got = append(got, p.Name)
	}
	if want := []string{"libbz2-1.0", "liblzma5", "libmagic-mgc", "libmagic1t64", "libzstd1"}; !slices.Equal(got, want) {
		t.Errorf("install %v, want %v", got, want)
	}
	if !slices.Equal(res.Have, []string{"libc6", "zlib1g"}) {
		t.Errorf("have %v", res.Have)
	}
	res, err = ix.Resolve([]string{"tool"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Skipped, []string{"bash"}) || len(res.Install) != 3 { // tool libc6 libgcc-s1
		t.Errorf("install %d, skipped %v", len(res.Install), res.Skipped)
	}
}

func TestUnknownAndVirtualNamesSayWhatToWrite(t *testing.T) {
	ix := testIndex()
	_, err := ix.Resolve([]string{"libc6", "libmagik1t64"}, nil)
	var ue *UnknownError
	if !errors.As(err, &ue) || ue.Index != 1 || !strings.Contains(err.Error(), `run.packages[1]: unknown Debian package "libmagik1t64" (trixie, arm64); did you mean "libmagic1t64"?`) {
		t.Errorf("err = %v", err)
	}
	res, err := ix.Resolve([]string{"libmagic1"}, map[string]bool{"libc6": true})
	if err != nil || !slices.ContainsFunc(res.Install, func(p *Package) bool { return p.Name == "libmagic1t64" }) {
		t.Errorf("libmagic1 (virtual, one provider): %v", err)
	}
	ix.provides["mail-transport-agent"] = []string{"exim4", "postfix"}
	_, err = ix.Resolve([]string{"mail-transport-agent"}, nil)
	if err == nil || !strings.Contains(err.Error(), `"mail-transport-agent" is a virtual Debian package (trixie, arm64); name one that provides it: exim4, postfix`) {
		t.Errorf("virtual: err = %v", err)
	}
}

func TestDroppedKeepsDataAndCopyright(t *testing.T) {
	for p, want := range map[string]bool{
		"usr/share/doc/libmagic1t64/copyright":        false,
		"usr/share/doc/libmagic1t64/changelog.gz":     true,
		"usr/share/man/man5/magic.5.gz":               true,
		"usr/share/locale/de/LC_MESSAGES/x.mo":        true,
		"usr/share/misc/magic.mgc":                    false,
		"usr/lib/aarch64-linux-gnu/libmagic.so.1.0.0": false,
	} {
		if got := Dropped(p); got != want {
			t.Errorf("Dropped(%s) = %v, want %v", p, got, want)
		}
	}
	if foldUsr("lib/aarch64-linux-gnu/x.so") != "usr/lib/aarch64-linux-gnu/x.so" || foldUsr("etc/magic") != "etc/magic" {
		t.Error("foldUsr")
	}
}
