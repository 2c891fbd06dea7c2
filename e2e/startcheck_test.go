package e2e

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The start check and the library closure, end to end: apps whose native
// code needs system libraries or ships prebuilds for several platforms are
// built through docker buildx on distroless and scratch, run and asked over
// HTTP; an image that could not start must fail its build with a message
// that says what to add.

// TestPsycopg2FromSourceStartsOnDistrolessAndScratch builds
// examples/python-psycopg2 (psycopg2 compiled against the builder's libpq
// with build-essential, libpq-dev and python3-dev as build packages). The
// image must hold libpq.so.5 but no compiler, pg_config or headers; on
// distroless the closure adds libpq5 and what it pulls in, but nothing the
// base image already has (libc, libssl: each such file is in one layer only,
// the base's). The running app answers with the libpq it was built with and
// the one it loaded.
func TestPsycopg2FromSourceStartsOnDistrolessAndScratch(t *testing.T) {
	requireEnv(t)
	const example = "python-psycopg2"
	for _, preset := range []string{"distroless", "scratch"} {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			e := loadExpect(t, repoPath("examples", example))
			dir := copyExample(t, example)
			checkSyntaxLine(t, dir)
			// the libs stage runs again even when cached, so its JSON line is in the log
			tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+preset, "--no-cache-filter", "libs")
			im := onlyImage(t, tarPath, nil)
			checkUser(t, im)
			checkSize(t, im, e, preset)
			checkNoShell(t, im)
			checkNoBuildTools(t, im)
			sum := closureSummaryOf(t, out)
			t.Logf("closure: %+v", sum)

			const libdir = "usr/lib/x86_64-linux-gnu/"
			if !im.Has(libdir + "libpq.so.5") {
				t.Errorf("image lacks %slibpq.so.5, which psycopg2's extension loads", libdir)
			}
			for name := range allFiles(im) {
				if strings.HasPrefix(name, "usr/include/") || strings.HasSuffix(name, "/pg_config") || strings.HasPrefix(name, "usr/lib/gcc/") {
					t.Errorf("build-only file in the image: %s", name)
				}
			}
			if preset == "distroless" {
				// what the base has is not copied again: the layer that brings
				// the venv and the closure must not hold glibc or OpenSSL, which
				// distroless python3's own layers ship
				venvLayer := -1
				for i, l := range im.Layers {
					if _, ok := l.Files["opt/venv/pyvenv.cfg"]; ok {
						venvLayer = i
					}
				}
				if venvLayer < 0 {
					t.Fatal("no layer holds opt/venv/pyvenv.cfg")
				}
				for _, lib := range []string{"libc.so.6", "libssl.so.3", "libcrypto.so.3", "libz.so.1"} {
					inBase := false
					for i, l := range im.Layers {
						if _, ok := l.Files[libdir+lib]; ok && i < venvLayer {
							inBase = true
						}
					}
					if !inBase {
						t.Errorf("the distroless base has no %s%s: this check would prove nothing", libdir, lib)
					}
					if _, ok := im.Layers[venvLayer].Files[libdir+lib]; ok {
						t.Errorf("%s%s is in the closure's layer: it copied a library the base already has", libdir, lib)
					}
				}
				// libpq5's own dependencies that distroless lacks come along
				for _, lib := range []string{"libpq.so.5", "libldap.so.2", "libgssapi_krb5.so.2"} {
					if !im.Has(libdir + lib) {
						t.Errorf("image lacks %s%s (libpq5's closure)", libdir, lib)
					}
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

// TestForeignPrebuildsAreDroppedFromNodeModules builds examples/node-prebuilds
// (bcrypt 6, whose package ships a glibc and a musl build, and sharp, whose
// lockfile lists every platform) on scratch and distroless: the builds are
// green, the closure's JSON line in the build log counts the dropped musl
// build, no ELF object in the image is linked against musl, the app hashes
// and verifies a password and makes a PNG, and a source edit keeps the
// dependency install and the closure cached.
func TestForeignPrebuildsAreDroppedFromNodeModules(t *testing.T) {
	requireEnv(t)
	const example = "node-prebuilds"
	for _, preset := range []string{"scratch", "distroless"} {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			e := loadExpect(t, repoPath("examples", example))
			dir := copyExample(t, example)
			// the libs stage runs again even when cached, so its JSON line is in the log
			tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+preset, "--no-cache-filter", "libs")
			sum := closureSummaryOf(t, out)
			t.Logf("closure: %+v, step took %s", sum, stepDone(out, "slimfront closure"))
			if sum.DroppedFiles < 1 || sum.DroppedBytes <= 0 {
				t.Errorf("the closure dropped no foreign prebuild (bcrypt's musl build): %+v", sum)
			}
			keep := func(name string, size int64) bool {
				return strings.HasSuffix(name, ".node") || strings.Contains(path2base(name), ".so")
			}
			im := onlyImage(t, tarPath, keep)
			checkUser(t, im)
			checkSize(t, im, e, preset)
			checkNoShell(t, im)
			checkNoNodePackageManager(t, im)
			checkNodePaths(t, im, loadNodeExpect(t, repoPath("examples", example)))
			elves := 0
			for _, l := range im.Layers {
				for name, data := range l.Kept {
					f, err := elf.NewFile(bytes.NewReader(data))
					if err != nil {
						continue
					}
					elves++
					if musl := muslObject(f); musl != "" {
						t.Errorf("musl object in the image: %s (%s)", name, musl)
					}
					f.Close()
				}
			}
			if elves == 0 {
				t.Fatalf("no ELF object read from the image: the check would prove nothing")
			}
			if t.Failed() {
				return
			}
			c := runImage(t, tarPath)
			c.checkServes(t, e)
			c.checkUID(t)

			// a source edit: the install and the closure stay cached
			if err := os.WriteFile(filepath.Join(dir, "server.js"), append(mustRead(t, filepath.Join(dir, "server.js")), []byte("\n// edited\n")...), 0o644); err != nil {
				t.Fatal(err)
			}
			_, out = mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+preset)
			for _, step := range []string{"npm ci --omit=dev", "slimfront closure"} {
				if !cachedStep(out, step) {
					t.Errorf("after a source edit, %q ran again (want CACHED)", step)
				}
			}
		})
	}
}

// TestMissingLibraryFailsTheBuild ships a prebuilt native helper in the app's
// sources (loaded with ctypes, so no closure follows it) that needs
// libpq.so.5, which the builder has (libpq5 as a build package) and the final
// image does not. The build must fail before export with the file, the
// missing library, the Debian package and the descriptor line to add.
func TestMissingLibraryFailsTheBuild(t *testing.T) {
	requireEnv(t)
	for _, preset := range []string{"distroless", "scratch"} {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"slim.toml": "# syntax=org/slimfront\nlanguage   = \"python\"\nentrypoint = \"app.py\"\ndeps       = [\"requirements.txt\"]\n" +
					"preset     = \"" + preset + "\"\nport       = 8000\n\n[build]\npackages = [\"libpq5\"]\n",
				"requirements.txt": "six==1.17.0\n",
				"app.py":           "import ctypes\nctypes.CDLL('/app/native/libhelper.so')\n",
			})
			so := sharedObject("libhelper.so", "libpq.so.5", "libc.so.6")
			if err := os.MkdirAll(filepath.Join(dir, "native"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "native", "libhelper.so"), so, 0o755); err != nil {
				t.Fatal(err)
			}
			out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=oci,dest="+filepath.Join(t.TempDir(), "img.tar"))
			if err == nil {
				t.Fatalf("the build of an image that cannot start is green:\n%s", tail(out, 40))
			}
			for _, want := range []string{
				"the linux/amd64 image would not start",
				"/app/native/libhelper.so: needs libpq.so.5, which is not in the image (Debian package libpq5)",
				`[run] packages = ["libpq5"]`,
			} {
				if !strings.Contains(out, want) {
					t.Errorf("buildx output lacks %q", want)
				}
			}
			if t.Failed() {
				t.Logf("buildx output:\n%s", tail(out, 60))
			}
		})
	}
}

// closureLine is the JSON line `slimfront closure` prints in the build log.
type closureLine struct {
	Platform     string `json:"platform"`
	Files        int    `json:"files"`
	Bytes        int64  `json:"bytes"`
	ForeignFiles int    `json:"foreign_files"`
	ForeignBytes int64  `json:"foreign_bytes"`
	DroppedFiles int    `json:"dropped_files"`
	DroppedBytes int64  `json:"dropped_bytes"`
}

var closureLineRE = regexp.MustCompile(`(?m)^#\d+ [0-9.]+ (\{"platform":[^\n]*\})$`)

// closureSummaryOf returns the closure's JSON line from a --progress=plain
// build log (the last one, when several stages ran a closure).
func closureSummaryOf(t *testing.T, out string) closureLine {
	t.Helper()
	m := closureLineRE.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		t.Fatalf("no closure summary line in the build log:\n%s", tail(out, 40))
	}
	var s closureLine
	if err := json.Unmarshal([]byte(m[len(m)-1][1]), &s); err != nil {
		t.Fatalf("closure line %q: %v", m[len(m)-1][1], err)
	}
	return s
}

// cachedStep reports whether the build log shows the step whose vertex name
// contains name as CACHED.
func cachedStep(out, name string) bool {
	ids := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.SplitN(line, " ", 2)
		if len(f) == 2 && strings.Contains(f[1], name) && strings.HasPrefix(f[0], "#") {
			ids[f[0]] = true
		}
		if len(f) == 2 && ids[f[0]] && strings.TrimSpace(f[1]) == "CACHED" {
			return true
		}
	}
	return false
}

// stepDone returns the duration BuildKit reported for the step whose vertex
// name contains name ("#12 DONE 0.3s"), or "?" when the log has none.
func stepDone(out, name string) string {
	id := ""
	for _, line := range strings.Split(out, "\n") {
		f := strings.SplitN(line, " ", 2)
		if len(f) != 2 || !strings.HasPrefix(f[0], "#") {
			continue
		}
		if strings.Contains(f[1], name) {
			id = f[0]
		}
		if id != "" && f[0] == id && strings.HasPrefix(f[1], "DONE ") {
			return strings.TrimPrefix(f[1], "DONE ")
		}
	}
	return "?"
}

func onlyImage(t *testing.T, tarPath string, keep func(string, int64) bool) *ociImage {
	t.Helper()
	images, err := readOCIImages(tarPath, keep)
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 {
		t.Fatalf("want 1 image, got %d", len(images))
	}
	return images[0]
}

func allFiles(im *ociImage) map[string]bool {
	all := map[string]bool{}
	for _, l := range im.Layers {
		for name := range l.Files {
			all[name] = true
		}
	}
	return all
}

func path2base(p string) string { return p[strings.LastIndex(p, "/")+1:] }

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// muslObject says why an ELF object is linked against musl ("" when it is
// not): musl's loader as PT_INTERP or Alpine's musl soname in DT_NEEDED.
func muslObject(f *elf.File) string {
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err == nil && strings.Contains(string(b), "ld-musl-") {
				return "loader " + strings.TrimRight(string(b), "\x00")
			}
		}
	}
	libs, _ := f.ImportedLibraries()
	for _, l := range libs {
		if strings.HasPrefix(l, "libc.musl-") {
			return "needs " + l
		}
	}
	return ""
}

// sharedObject returns a minimal x86-64 ELF shared object (no code) named
// soname whose dynamic section lists needed: enough for a loader, or the
// start check, to read what it would load.
func sharedObject(soname string, needed ...string) []byte {
	le := binary.LittleEndian
	strtab := []byte{0}
	str := func(s string) uint64 {
		off := uint64(len(strtab))
		strtab = append(append(strtab, s...), 0)
		return off
	}
	var dyn [][2]uint64
	for _, n := range needed {
		dyn = append(dyn, [2]uint64{uint64(elf.DT_NEEDED), str(n)})
	}
	dyn = append(dyn, [2]uint64{uint64(elf.DT_SONAME), str(soname)}, [2]uint64{uint64(elf.DT_NULL), 0})
	const ehdr, phdr, shdr = 64, 56, 64
	strOff := uint64(ehdr + phdr)
	dynOff := (strOff + uint64(len(strtab)) + 7) &^ 7
	dynSize := uint64(16 * len(dyn))
	shOff := dynOff + dynSize
	buf := make([]byte, shOff+3*shdr)
	copy(buf, elf.ELFMAG)
	buf[elf.EI_CLASS], buf[elf.EI_DATA], buf[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	le.PutUint16(buf[16:], uint16(elf.ET_DYN))
	le.PutUint16(buf[18:], uint16(elf.EM_X86_64))
	le.PutUint32(buf[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(buf[32:], ehdr)  // e_phoff
	le.PutUint64(buf[40:], shOff) // e_shoff
	le.PutUint16(buf[52:], ehdr)
	le.PutUint16(buf[54:], phdr)
	le.PutUint16(buf[56:], 1)
	le.PutUint16(buf[58:], shdr)
	le.PutUint16(buf[60:], 3)
	ph := buf[ehdr:]
	le.PutUint32(ph[0:], uint32(elf.PT_DYNAMIC))
	le.PutUint32(ph[4:], uint32(elf.PF_R))
	for _, o := range []int{8, 16, 24} {
		le.PutUint64(ph[o:], dynOff)
	}
	le.PutUint64(ph[32:], dynSize)
	le.PutUint64(ph[40:], dynSize)
	le.PutUint64(ph[48:], 8)
	copy(buf[strOff:], strtab)
	for i, d := range dyn {
		le.PutUint64(buf[dynOff+uint64(16*i):], d[0])
		le.PutUint64(buf[dynOff+uint64(16*i)+8:], d[1])
	}
	sh := buf[shOff+shdr:] // section 0 is the null section
	le.PutUint32(sh[4:], uint32(elf.SHT_STRTAB))
	le.PutUint64(sh[16:], strOff)
	le.PutUint64(sh[24:], strOff)
	le.PutUint64(sh[32:], uint64(len(strtab)))
	sh = sh[shdr:]
	le.PutUint32(sh[4:], uint32(elf.SHT_DYNAMIC))
	le.PutUint64(sh[16:], dynOff)
	le.PutUint64(sh[24:], dynOff)
	le.PutUint64(sh[32:], dynSize)
	le.PutUint32(sh[40:], 1) // sh_link: the string table
	le.PutUint64(sh[56:], 16)
	return buf
}

// TestSharedObjectHelperIsReadable makes sure the crafted object above says
// what TestMissingLibraryFailsTheBuild relies on (runs without the
// environment).
func TestSharedObjectHelperIsReadable(t *testing.T) {
	f, err := elf.NewFile(bytes.NewReader(sharedObject("libx.so", "libpq.so.5", "libc.so.6")))
	if err != nil {
		t.Fatal(err)
	}
	libs, err := f.ImportedLibraries()
	if err != nil || fmt.Sprint(libs) != "[libpq.so.5 libc.so.6]" || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_DYN {
		t.Fatalf("crafted object: needed %v (%v), machine %v, type %v", libs, err, f.Machine, f.Type)
	}
}
