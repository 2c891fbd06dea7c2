package elfdeps

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// fakeELF describes a crafted little-endian 64-bit ELF object: enough of a
// header, program headers and a dynamic section for debug/elf (and for
// ld.so's header checks), and no code.
type fakeELF struct {
	machine elf.Machine
	typ     elf.Type // ET_DYN when zero
	interp  string
	needed  []string
	soname  string
	runpath string
	rpath   string
	class32 bool // ELFCLASS32 header (for a wrong-class candidate)
}

// bytes returns the file contents.
func (f fakeELF) bytes() []byte {
	if f.class32 {
		return f.bytes32()
	}
	le := binary.LittleEndian
	strtab := []byte{0}
	str := func(s string) uint64 {
		off := uint64(len(strtab))
		strtab = append(append(strtab, s...), 0)
		return off
	}
	var dyn [][2]uint64
	for _, n := range f.needed {
		dyn = append(dyn, [2]uint64{uint64(elf.DT_NEEDED), str(n)})
	}
	if f.soname != "" {
		dyn = append(dyn, [2]uint64{uint64(elf.DT_SONAME), str(f.soname)})
	}
	if f.runpath != "" {
		dyn = append(dyn, [2]uint64{uint64(elf.DT_RUNPATH), str(f.runpath)})
	}
	if f.rpath != "" {
		dyn = append(dyn, [2]uint64{uint64(elf.DT_RPATH), str(f.rpath)})
	}
	dyn = append(dyn, [2]uint64{uint64(elf.DT_NULL), 0})

	nph := 1
	if f.interp != "" {
		nph = 2
	}
	interpOff := uint64(64 + 56*nph)
	interp := append([]byte(f.interp), 0)
	strOff := interpOff + uint64(len(interp))
	dynOff := (strOff + uint64(len(strtab)) + 7) &^ 7
	dynSize := uint64(16 * len(dyn))
	shOff := dynOff + dynSize
	buf := make([]byte, shOff+3*64)

	copy(buf, elf.ELFMAG)
	buf[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	buf[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	buf[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	typ := f.typ
	if typ == 0 {
		typ = elf.ET_DYN
	}
	le.PutUint16(buf[16:], uint16(typ))
	le.PutUint16(buf[18:], uint16(f.machine))
	le.PutUint32(buf[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(buf[32:], 64)    // e_phoff
	le.PutUint64(buf[40:], shOff) // e_shoff
	le.PutUint16(buf[52:], 64)    // e_ehsize
	le.PutUint16(buf[54:], 56)    // e_phentsize
	le.PutUint16(buf[56:], uint16(nph))
	le.PutUint16(buf[58:], 64) // e_shentsize
	le.PutUint16(buf[60:], 3)  // e_shnum; e_shstrndx 0: no section names

	ph := buf[64:]
	putPh := func(b []byte, typ elf.ProgType, off, size uint64) {
		le.PutUint32(b[0:], uint32(typ))
		le.PutUint32(b[4:], uint32(elf.PF_R))
		le.PutUint64(b[8:], off)
		le.PutUint64(b[16:], off)
		le.PutUint64(b[24:], off)
		le.PutUint64(b[32:], size)
		le.PutUint64(b[40:], size)
		le.PutUint64(b[48:], 8)
	}
	if f.interp != "" {
		putPh(ph, elf.PT_INTERP, interpOff, uint64(len(interp)))
		ph = ph[56:]
		copy(buf[interpOff:], interp)
	}
	putPh(ph, elf.PT_DYNAMIC, dynOff, dynSize)
	copy(buf[strOff:], strtab)
	for i, d := range dyn {
		le.PutUint64(buf[dynOff+uint64(16*i):], d[0])
		le.PutUint64(buf[dynOff+uint64(16*i)+8:], d[1])
	}
	sh := buf[shOff+64:] // [0] is the null section
	le.PutUint32(sh[4:], uint32(elf.SHT_STRTAB))
	le.PutUint64(sh[16:], strOff)
	le.PutUint64(sh[24:], strOff)
	le.PutUint64(sh[32:], uint64(len(strtab)))
	sh = sh[64:]
	le.PutUint32(sh[4:], uint32(elf.SHT_DYNAMIC))
	le.PutUint64(sh[16:], dynOff)
	le.PutUint64(sh[24:], dynOff)
	le.PutUint64(sh[32:], dynSize)
	le.PutUint32(sh[40:], 1) // sh_link: .dynstr
	le.PutUint64(sh[56:], 16)
	return buf
}

// bytes32 is a bare ELFCLASS32 header with no program headers.
func (f fakeELF) bytes32() []byte {
	le := binary.LittleEndian
	buf := make([]byte, 52)
	copy(buf, elf.ELFMAG)
	buf[elf.EI_CLASS] = byte(elf.ELFCLASS32)
	buf[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	buf[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	le.PutUint16(buf[16:], uint16(elf.ET_DYN))
	le.PutUint16(buf[18:], uint16(f.machine))
	le.PutUint32(buf[20:], uint32(elf.EV_CURRENT))
	le.PutUint16(buf[40:], 52)
	return buf
}

// put writes data at image path p in the root directory dir.
func put(t testing.TB, dir, p string, data []byte, mode os.FileMode) {
	t.Helper()
	h := filepath.Join(dir, p)
	if err := os.MkdirAll(filepath.Dir(h), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h, data, mode); err != nil {
		t.Fatal(err)
	}
}

// link makes image path p a symlink with the given target.
func link(t testing.TB, dir, p, target string) {
	t.Helper()
	h := filepath.Join(dir, p)
	if err := os.MkdirAll(filepath.Dir(h), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, h); err != nil {
		t.Fatal(err)
	}
}

// copyHost copies the host file src (following symlinks) to image path p.
func copyHost(t testing.TB, dir, src, p string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Skipf("host file %s not available: %v", src, err)
	}
	defer in.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, in); err != nil {
		t.Fatal(err)
	}
	put(t, dir, p, b.Bytes(), 0o755)
}

func mustRoot(t testing.TB, dir string) *Root {
	t.Helper()
	r, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustPlatform(t testing.TB, s string) Platform {
	t.Helper()
	p, err := ParsePlatform(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
