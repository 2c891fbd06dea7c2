package elfdeps

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// ErrNotELF is returned (wrapped) by Inspect for a file that does not start
// with the ELF magic bytes.
var ErrNotELF = errors.New("not an ELF file")

// Libc names which C library an object is linked against.
type Libc string

const (
	// LibcUnknown: the object names no C library (static, or a library
	// that needs nothing libc-specific).
	LibcUnknown Libc = ""
	// Glibc: PT_INTERP is a glibc loader (ld-linux*, ld64.so.*, ld.so.1)
	// or DT_NEEDED has libc.so.6.
	Glibc Libc = "glibc"
	// Musl: PT_INTERP is /lib/ld-musl-<arch>.so.1 or DT_NEEDED has
	// libc.musl-<arch>.so.1 (Alpine's soname for musl).
	Musl Libc = "musl"
)

// Info is what the loader needs to know about one ELF file.
type Info struct {
	// Path is the canonical image path of the file.
	Path string
	// Size is the file size in bytes.
	Size int64
	// Class, Data, Machine, OSABI, Type and Flags are the ELF header's
	// EI_CLASS, EI_DATA, e_machine, EI_OSABI, e_type and e_flags.
	Class   elf.Class
	Data    elf.Data
	Machine elf.Machine
	OSABI   elf.OSABI
	Type    elf.Type
	Flags   uint32
	// Interp is PT_INTERP: the dynamic loader the kernel starts for an
	// executable; empty for shared libraries and static executables.
	Interp string
	// Needed is DT_NEEDED, in order.
	Needed []string
	// RPath and RunPath are DT_RPATH and DT_RUNPATH split at ':'. Both
	// are kept as written ($ORIGIN unexpanded).
	RPath, RunPath []string
	// Soname is DT_SONAME.
	Soname string
	// NoDefaultLib is DF_1_NODEFLIB in DT_FLAGS_1 (-z nodefaultlib): the
	// loader does not search the default directories for this object's
	// dependencies.
	NoDefaultLib bool
	// Dynamic is true when the file has a PT_DYNAMIC segment.
	Dynamic bool
	// Libc is the C library the object is linked against, from its
	// interpreter and DT_NEEDED.
	Libc Libc
}

// Static reports whether the object needs no loader: no interpreter and no
// DT_NEEDED (static executables, static-pie, and libraries without
// dependencies).
func (i *Info) Static() bool { return i.Interp == "" && len(i.Needed) == 0 }

// Loadable reports whether the file is an executable or shared object (not a
// relocatable .o or a core dump).
func (i *Info) Loadable() bool { return i.Type == elf.ET_EXEC || i.Type == elf.ET_DYN }

// Inspect reads the ELF file at image path p inside root (following symlinks
// inside the root) and returns its Info. It only reads the file. Errors wrap
// ErrNotELF for a non-ELF file, fs.ErrNotExist for a missing one, and
// describe a malformed ELF file otherwise.
func Inspect(root *Root, p string) (*Info, error) {
	f, canon, err := root.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return inspectFile(f, canon)
}

// sniffELF reports whether the host file at hostPath starts with the ELF
// magic.
func sniffELF(hostPath string) bool {
	f, err := os.Open(hostPath)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return false
	}
	return string(b[:]) == elf.ELFMAG
}

// otherOSModule names the format of a native module built for another
// operating system ("Mach-O (macOS)", "PE (Windows)") when the host file at
// hostPath has a native-module extension (.node, .so, .dylib, .dll, .pyd)
// and starts with that format's magic number (Mach-O: 0xfeedface,
// 0xfeedfacf or a fat header 0xcafebabe, either byte order; PE: "MZ"); ""
// otherwise. Packages such as bcrypt ship such prebuilds next to the Linux
// ones; no Linux loader opens them.
func otherOSModule(hostPath string) string {
	switch strings.ToLower(path.Ext(hostPath)) {
	case ".node", ".so", ".dylib", ".dll", ".pyd":
	default:
		return ""
	}
	f, err := os.Open(hostPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	var b [4]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return ""
	}
	switch string(b[:]) {
	case "\xfe\xed\xfa\xce", "\xce\xfa\xed\xfe", "\xfe\xed\xfa\xcf", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe", "\xbe\xba\xfe\xca":
		return "Mach-O (macOS)"
	}
	if b[0] == 'M' && b[1] == 'Z' {
		return "PE (Windows)"
	}
	return ""
}

func inspectFile(f *os.File, canon string) (info *Info, err error) {
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil || string(magic[:]) != elf.ELFMAG {
		return nil, fmt.Errorf("%s: %w", canon, ErrNotELF)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	defer func() { // debug/elf is hardened, but a hostile file must never crash a build
		if r := recover(); r != nil {
			info, err = nil, fmt.Errorf("%s: malformed ELF file: %v", canon, r)
		}
	}()
	ef, err := elf.NewFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", canon, err)
	}
	defer ef.Close()
	info = &Info{Path: canon, Size: fi.Size(), Class: ef.Class, Data: ef.Data, Machine: ef.Machine,
		OSABI: ef.OSABI, Type: ef.Type, Flags: elfFlags(f, ef)}
	for _, prog := range ef.Progs {
		switch prog.Type {
		case elf.PT_INTERP:
			b, err := io.ReadAll(io.LimitReader(prog.Open(), 4096))
			if err != nil {
				return nil, fmt.Errorf("%s: PT_INTERP: %w", canon, err)
			}
			info.Interp = string(bytes.TrimRight(b, "\x00"))
		case elf.PT_DYNAMIC:
			info.Dynamic = true
		}
	}
	if info.Dynamic {
		if info.Needed, err = ef.DynString(elf.DT_NEEDED); err != nil {
			return nil, fmt.Errorf("%s: DT_NEEDED: %w", canon, err)
		}
		rpath, _ := ef.DynString(elf.DT_RPATH)
		runpath, _ := ef.DynString(elf.DT_RUNPATH)
		info.RPath, info.RunPath = splitSearchPath(rpath), splitSearchPath(runpath)
		if so, _ := ef.DynString(elf.DT_SONAME); len(so) > 0 {
			info.Soname = so[0]
		}
		if v, err := ef.DynValue(elf.DT_FLAGS_1); err == nil && len(v) > 0 {
			info.NoDefaultLib = v[0]&uint64(elf.DF_1_NODEFLIB) != 0
		}
	}
	info.Libc = libcOf(info.Interp, info.Needed)
	return info, nil
}

// elfFlags reads e_flags, which debug/elf does not expose: offset 36 in
// ELF32 headers and 48 in ELF64 ones (System V ABI, "ELF Header").
func elfFlags(f *os.File, ef *elf.File) uint32 {
	off := int64(36)
	if ef.Class == elf.ELFCLASS64 {
		off = 48
	}
	var b [4]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return 0
	}
	return ef.ByteOrder.Uint32(b[:])
}

// splitSearchPath splits DT_RPATH/DT_RUNPATH strings at ':' (ld.so(8):
// "a colon-separated list"); empty elements are dropped.
func splitSearchPath(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, d := range strings.Split(v, ":") {
			if d != "" {
				out = append(out, d)
			}
		}
	}
	return out
}

// libcOf tells glibc from musl objects by their loader (musl's is
// ld-musl-<arch>.so.1; glibc's are ld-linux*.so.*, ld64.so.*, ld.so.1) or,
// for shared objects without one, by the C library they need: Alpine's musl
// soname is libc.musl-<arch>.so.1, upstream musl's (and so that of objects
// linked with musl-gcc or a musl cross toolchain, like bcrypt's *.musl.node
// prebuilds) plain libc.so, glibc's libc.so.6 (glibc's libc.so is a linker
// script, never a DT_NEEDED entry).
func libcOf(interp string, needed []string) Libc {
	if interp != "" {
		base := path.Base(interp)
		switch {
		case strings.HasPrefix(base, "ld-musl-"):
			return Musl
		case strings.HasPrefix(base, "ld-linux"), strings.HasPrefix(base, "ld64.so."), base == "ld.so.1":
			return Glibc
		}
	}
	for _, n := range needed {
		switch {
		case strings.HasPrefix(n, "libc.musl-"), n == "libc.so":
			return Musl
		case n == "libc.so.6":
			return Glibc
		}
	}
	return LibcUnknown
}
