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

// TestScratchSBOMListsDebianPackages builds the Python and Node examples on
// scratch with `--sbom=true`: the closure's status.d records make the
// scanner list glibc (libc6) with its version; Python's _ssl loads the
// system OpenSSL, so libssl3t64 is listed too. The official node binary
// links OpenSSL statically: no Debian OpenSSL file is in that image, so
// its SBOM must list libc6 and libstdc++6 and not libssl3t64.
func TestScratchSBOMListsDebianPackages(t *testing.T) {
	requireEnv(t)
	requireImage(t, "docker/buildkit-syft-scanner:stable-1", "hack/env.d/extra-sbom.sh")
	for _, c := range []struct {
		example    string
		want, none []string
	}{
		{"python-flask", []string{"libc6", "libssl3t64", "python3.13-minimal"}, nil},
		{"node-express", []string{"libc6", "libstdc++6"}, []string{"libssl3t64"}},
	} {
		t.Run(c.example, func(t *testing.T) {
			dir := copyExample(t, c.example)
			tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET=scratch", "--sbom=true")
			images, stmts := attestations(t, tar)
			if len(images) != 1 {
				t.Fatalf("want 1 image, got %d", len(images))
			}
			var core *spdxDoc
			for _, s := range stmts[images[0]] {
				if s.PredicateType != "https://spdx.dev/Document" {
					continue
				}
				var d spdxDoc
				if err := json.Unmarshal(s.Predicate, &d); err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(d.Name, "/core/sbom") {
					core = &d
				}
			}
			if core == nil {
				t.Fatal("no SBOM of the final image")
			}
			for _, n := range c.want {
				v := core.versions(n)
				if len(v) == 0 || v[0] == "" {
					t.Errorf("SBOM lacks %s with a version\npackages: %s", n, strings.Join(core.names(), " "))
				} else {
					t.Logf("%s %s", n, v[0])
				}
			}
			for _, n := range c.none {
				if v := core.versions(n); len(v) > 0 {
					t.Errorf("SBOM lists %s %v, which the image does not hold", n, v)
				}
			}
		})
	}
}
