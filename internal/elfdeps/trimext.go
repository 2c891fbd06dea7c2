package elfdeps

import (
	"bytes"
	"debug/elf"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// unimportedKind is the trim kind of extension modules nothing can import.
const unimportedKind = "unimported-extensions"

// unimportedExtensions plans the removal, from the site-packages directory
// sp, of private extension modules that nothing in it names: numpy ships
// its test suite's C modules (numpy/_core/_simd, _umath_tests,
// _rational_tests, ...; 3 MB) next to the modules that run, outside its
// tests directories. A module is loaded only by importing its name, so one
// whose name no file left in sp mentions is never loaded by the
// dependencies. A candidate is an ELF extension module inside a package
// (never a top-level module, which the app may import), not under an
// auditwheel "*.libs" directory, not kept by o.Keep, whose dotted module
// path has a private part (a leading underscore, PEP 8: internal, which an
// app does not import). It stays when its bare name (the file name up to
// the first dot) is
//
//   - a word (\w+ token) of any text file left in sp: Python sources in any
//     form of import (statements, importlib strings), entry_points.txt,
//     .pth files; the installers' RECORD manifests, which list every file,
//     and .pyi stubs, which only describe, do not count; or
//   - the end of a NUL-terminated string in any other ELF file left in sp
//     (C and Cython code import modules by name strings:
//     PyImport_ImportModule("numpy._core._multiarray_tests"); a suffix
//     counts too, since linkers merge a string into a longer one ending
//     with it).
//
// Files t already removes (test suites) do not count as mentions. owner
// maps top-level package directories to their distributions (the report's
// packages). The
// app's own sources are not read: the private-name rule is what keeps an
// app's import safe, and [run] keep keeps any path.
func (t *Trim) unimportedExtensions(root *Root, sp string, owner map[string]string, o TrimOptions) error {
	type cand struct {
		img, dist  string
		size       int64
		referenced bool
	}
	cands := map[string][]*cand{} // by bare module name
	lengths := map[int]bool{}     // the names' lengths
	// the files left in sp that may mention a module, as image paths
	var texts, elves []string
	top := root.HostPath(sp)
	err := filepath.WalkDir(top, func(hp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		img := imagePath(root, hp)
		if d.IsDir() {
			if t.Dirs[img] {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || t.Files[img] {
			return nil
		}
		rel := strings.TrimPrefix(img, sp+"/")
		name := d.Name()
		if strings.HasSuffix(name, ".pyi") || name == "RECORD" && strings.HasSuffix(path.Dir(rel), ".dist-info") {
			return nil
		}
		if !strings.HasSuffix(name, ".so") && !strings.Contains(name, ".so.") {
			texts = append(texts, img)
			return nil
		}
		elves = append(elves, img)
		mod, _, _ := strings.Cut(name, ".")
		dir := path.Dir(rel)
		if dir == "." || !strings.HasSuffix(name, ".so") || mod == "" || keptBy(o.Keep, rel, false) {
			return nil
		}
		for _, part := range strings.Split(dir, "/") {
			if strings.HasSuffix(part, ".libs") || strings.HasSuffix(part, ".dist-info") {
				return nil
			}
		}
		if !strings.HasPrefix(mod, "_") && !strings.Contains("/"+dir, "/_") {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		dist := owner[strings.Split(dir, "/")[0]]
		if dist == "" {
			dist = strings.Split(dir, "/")[0]
		}
		cands[mod] = append(cands[mod], &cand{img: img, dist: dist, size: fi.Size()})
		lengths[len(mod)] = true
		return nil
	})
	if err != nil || len(cands) == 0 {
		return err
	}
	mention := func(name []byte, from string) {
		for _, c := range cands[string(name)] {
			if c.img != from {
				c.referenced = true
			}
		}
	}
	for _, img := range texts {
		data, err := os.ReadFile(root.HostPath(img))
		if err != nil {
			return err
		}
		if bytes.HasPrefix(data, []byte("\x7fELF")) {
			elves = append(elves, img)
			continue
		}
		if bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0 {
			continue // binary data, not text
		}
		words(data, func(w []byte) { mention(w, img) })
	}
	maxLen := 0
	for n := range lengths {
		maxLen = max(maxLen, n)
	}
	for _, img := range elves {
		for _, data := range stringSections(root.HostPath(img)) {
			nulStrings(data, maxLen, func(s []byte) {
				for n := range lengths {
					if len(s) >= n {
						mention(s[len(s)-n:], img)
					}
				}
			})
		}
	}
	names := make([]string, 0, len(cands))
	for n := range cands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, c := range cands[n] {
			if !c.referenced {
				t.count(c.img, c.size, unimportedKind, c.dist)
			}
		}
	}
	return nil
}

// nulStrings calls f with the last (up to maxLen) printable bytes before
// each NUL byte of data, when there are at least two: the tails of the
// NUL-terminated strings, which is all a suffix match needs.
func nulStrings(data []byte, maxLen int, f func([]byte)) {
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], 0)
		if j < 0 {
			return
		}
		end := i + j
		start := end
		for start > i && end-start < maxLen && data[start-1] >= 0x20 && data[start-1] <= 0x7e {
			start--
		}
		if end-start >= 2 {
			f(data[start:end])
		}
		i = end + 1
	}
}

// stringSections returns the contents of the sections of the ELF file at
// hp where a module name string can be (debug/elf): allocated, not
// executable, with contents (.rodata and its merged-string variants,
// .data, .data.rel.ro, .dynstr); the whole file when it has no section
// headers or cannot be read as ELF, so a name is never missed.
func stringSections(hp string) [][]byte {
	whole := func() [][]byte {
		data, err := os.ReadFile(hp)
		if err != nil {
			return nil
		}
		return [][]byte{data}
	}
	f, err := elf.Open(hp)
	if err != nil {
		return whole()
	}
	defer f.Close()
	var out [][]byte
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			return whole()
		}
		out = append(out, data)
	}
	if len(f.Sections) == 0 {
		return whole()
	}
	return out
}

// words calls f with every \w+ token (ASCII letters, digits, underscore)
// of a text file.
func words(data []byte, f func([]byte)) {
	start := -1
	for i := 0; i <= len(data); i++ {
		word := i < len(data) && (data[i] == '_' || data[i] >= '0' && data[i] <= '9' || data[i] >= 'a' && data[i] <= 'z' || data[i] >= 'A' && data[i] <= 'Z')
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			f(data[start:i])
			start = -1
		}
	}
}
