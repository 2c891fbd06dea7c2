package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// `[run] packages` on distroless and scratch, end to end: Debian packages
// that nothing's ELF headers name (python-magic loads libmagic with
// ctypes) are unpacked into the image with their dependencies and data
// files and recorded for scanners; an unknown name fails at its line.

var runpkgsLineRE = regexp.MustCompile(`(?m)^#\d+ [0-9.]+ (\{"arch":[^\n]*\})$`)

// runpkgsLine is `slimfront runpkgs`'s JSON line (debpkg.Report).
type runpkgsLine struct {
	Arch     string `json:"arch"`
	Packages []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Files   int    `json:"files"`
		Bytes   int64  `json:"bytes"`
	} `json:"packages"`
	Have  []string `json:"have"`
	Files int      `json:"files"`
	Bytes int64    `json:"bytes"`
}

// TestPythonMagicSniffsAPNGOnDistrolessAndScratch builds
// examples/python-magic (PyPI python-magic, `[run] packages = ["libmagic1"]`)
// on distroless and scratch: the image holds libmagic, its magic.mgc data
// and a status.d record of libmagic1t64 with its md5sums, no man pages or
// changelogs, nothing the base already records is unpacked again
// (distroless: libc6 and zlib1g are the base's), and the running app
// answers with libmagic's description of a PNG, which needs magic.mgc.
func TestPythonMagicSniffsAPNGOnDistrolessAndScratch(t *testing.T) {
	requireEnv(t)
	const example = "python-magic"
	for _, preset := range []string{"distroless", "scratch"} {
		t.Run(preset, func(t *testing.T) {
			e := loadExpect(t, repoPath("examples", example))
			dir := copyExample(t, example)
			checkSyntaxLine(t, dir)
			tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+preset, "--no-cache-filter", "runpkgs")
			im := onlyImage(t, tarPath, nil)
			checkUser(t, im)
			checkNoShell(t, im)
			checkSize(t, im, e, preset)
			m := runpkgsLineRE.FindAllStringSubmatch(out, -1)
			if len(m) == 0 {
				t.Fatalf("no runpkgs line in the build log:\n%s", tail(out, 40))
			}
			var rep runpkgsLine
			if err := json.Unmarshal([]byte(m[len(m)-1][1]), &rep); err != nil {
				t.Fatal(err)
			}
			t.Logf("runpkgs: %+v", rep)
			names := map[string]bool{}
			for _, p := range rep.Packages {
				names[p.Name] = true
			}
			if !names["libmagic1t64"] || !names["libmagic-mgc"] {
				t.Errorf("runpkgs installed %v, want libmagic1t64 and libmagic-mgc", names)
			}
			if names["libc6"] {
				t.Errorf("runpkgs unpacked libc6, which the %s image already records (have %v)", preset, rep.Have)
			}
			for _, f := range []string{"usr/lib/x86_64-linux-gnu/libmagic.so.1", "usr/lib/file/magic.mgc",
				"var/lib/dpkg/status.d/libmagic1t64", "var/lib/dpkg/status.d/libmagic1t64.md5sums", "var/lib/dpkg/status.d/libmagic-mgc"} {
				if !im.Has(f) {
					t.Errorf("image lacks %s", f)
				}
			}
			// the layer of the runtime packages (the base's own files are
			// the base's business)
			layer := -1
			for i, l := range im.Layers {
				if _, ok := l.Files["var/lib/dpkg/status.d/libmagic1t64"]; ok {
					layer = i
				}
			}
			if layer < 0 {
				t.Fatal("no layer holds the libmagic1t64 record")
			}
			for name := range im.Layers[layer].Files {
				if strings.HasPrefix(name, "usr/share/man/") || strings.HasSuffix(name, "changelog.Debian.gz") || strings.HasPrefix(name, "usr/share/locale/") {
					t.Errorf("doc file in the image: %s", name)
				}
			}
			if t.Failed() {
				return
			}
			c := runImage(t, tarPath)
			c.checkServes(t, e)
			c.checkUID(t)
		})
	}
}

// TestUnknownRunPackageFailsAtItsLine: a misspelt package name fails the
// runpkgs step with the descriptor line, the key and a suggestion.
func TestUnknownRunPackageFailsAtItsLine(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "python-magic")
	toml := filepath.Join(dir, "slim.toml")
	b, err := os.ReadFile(toml)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(toml, []byte(strings.Replace(string(b), `packages = ["libmagic1"]`, `packages = ["libmagic1t46"]`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"))
	if err == nil {
		t.Fatal("build with an unknown package succeeded")
	}
	for _, want := range []string{`run.packages[0]: unknown Debian package "libmagic1t46" (trixie, amd64); did you mean "libmagic1t64"`, "slim.toml:12", `>>> packages = ["libmagic1t46"]`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, tail(out, 40))
		}
	}
}
