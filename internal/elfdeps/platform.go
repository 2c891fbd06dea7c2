package elfdeps

import (
	"debug/elf"
	"fmt"
	"sort"
	"strings"
)

// Platform is a Linux target as the loader sees it: which ELF files it can
// load and where its libraries live.
type Platform struct {
	// GOARCH is the Go/OCI architecture name: amd64, arm64, arm, 386,
	// ppc64le, s390x, riscv64.
	GOARCH string
	// Class, Data and Machine are the ELF header fields of this target's
	// objects; ld.so skips a candidate library whose fields differ.
	Class   elf.Class
	Data    elf.Data
	Machine elf.Machine
	// Triplet is the Debian multiarch tuple (https://wiki.debian.org/Multiarch/Tuples),
	// the directory under /lib and /usr/lib holding the libraries.
	Triplet string
	// GlibcInterp is the glibc dynamic loader path for this target (the
	// PT_INTERP glibc's toolchain writes; see ld.so(8) and the glibc ABI list).
	GlibcInterp string
	// MuslArch is musl's name for the architecture, used in
	// /lib/ld-musl-<MuslArch>.so.1 and /etc/ld-musl-<MuslArch>.path.
	MuslArch string
	// ATPlatform is what $PLATFORM expands to (the kernel's AT_PLATFORM auxv
	// entry); empty where it depends on the CPU model (ppc64le, s390x,
	// riscv64), and path elements using it are then dropped as ld.so does
	// for an unknown substitution.
	ATPlatform string
	// Lib64 lists the 64-bit default directories glibc's upstream build uses
	// on this architecture ("On some 64-bit architectures, the default paths
	// for 64-bit shared objects are /lib64, and then /usr/lib64", ld.so(8)).
	Lib64 []string
}

var platforms = map[string]Platform{
	"amd64":   {GOARCH: "amd64", Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64, Triplet: "x86_64-linux-gnu", GlibcInterp: "/lib64/ld-linux-x86-64.so.2", MuslArch: "x86_64", ATPlatform: "x86_64", Lib64: []string{"/lib64", "/usr/lib64"}},
	"arm64":   {GOARCH: "arm64", Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_AARCH64, Triplet: "aarch64-linux-gnu", GlibcInterp: "/lib/ld-linux-aarch64.so.1", MuslArch: "aarch64", ATPlatform: "aarch64", Lib64: []string{"/lib64", "/usr/lib64"}},
	"arm":     {GOARCH: "arm", Class: elf.ELFCLASS32, Data: elf.ELFDATA2LSB, Machine: elf.EM_ARM, Triplet: "arm-linux-gnueabihf", GlibcInterp: "/lib/ld-linux-armhf.so.3", MuslArch: "armhf", ATPlatform: "v7l"},
	"386":     {GOARCH: "386", Class: elf.ELFCLASS32, Data: elf.ELFDATA2LSB, Machine: elf.EM_386, Triplet: "i386-linux-gnu", GlibcInterp: "/lib/ld-linux.so.2", MuslArch: "i386", ATPlatform: "i686"},
	"ppc64le": {GOARCH: "ppc64le", Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_PPC64, Triplet: "powerpc64le-linux-gnu", GlibcInterp: "/lib64/ld64.so.2", MuslArch: "powerpc64le", Lib64: []string{"/lib64", "/usr/lib64"}},
	"s390x":   {GOARCH: "s390x", Class: elf.ELFCLASS64, Data: elf.ELFDATA2MSB, Machine: elf.EM_S390, Triplet: "s390x-linux-gnu", GlibcInterp: "/lib/ld64.so.1", MuslArch: "s390x", Lib64: []string{"/lib64", "/usr/lib64"}},
	"riscv64": {GOARCH: "riscv64", Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_RISCV, Triplet: "riscv64-linux-gnu", GlibcInterp: "/lib/ld-linux-riscv64-lp64d.so.1", MuslArch: "riscv64", Lib64: []string{"/lib64/lp64d", "/usr/lib64/lp64d"}},
}

// ParsePlatform returns the Platform for an OCI platform string
// ("linux/arm64", "linux/arm/v7") or a bare GOARCH ("arm64"). Only linux
// targets are accepted; arm means 32-bit hard-float ARMv7 (Debian armhf).
// The error lists the supported architectures.
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(s, "/")
	arch := parts[0]
	if len(parts) >= 2 {
		if parts[0] != "linux" {
			return Platform{}, fmt.Errorf("platform %q: only linux targets have ELF images", s)
		}
		arch = parts[1]
	}
	if arch == "aarch64" {
		arch = "arm64"
	}
	if arch == "x86_64" {
		arch = "amd64"
	}
	p, ok := platforms[arch]
	if !ok {
		var names []string
		for n := range platforms {
			names = append(names, n)
		}
		sort.Strings(names)
		return Platform{}, fmt.Errorf("platform %q: unsupported architecture; valid: %s", s, strings.Join(names, ", "))
	}
	return p, nil
}

// String returns "linux/<GOARCH>".
func (p Platform) String() string { return "linux/" + p.GOARCH }

// DefaultDirs returns the directories glibc's ld.so searches last (after the
// RPATH, RUNPATH and ld.so.cache), in order, for this target: the Debian
// multiarch directories /lib/<triplet> and /usr/lib/<triplet>, then the
// upstream 64-bit directories (Lib64) where the architecture has them, then
// /lib and /usr/lib (ld.so(8), "In the default path /lib, and then
// /usr/lib").
func (p Platform) DefaultDirs() []string {
	dirs := []string{"/lib/" + p.Triplet, "/usr/lib/" + p.Triplet}
	dirs = append(dirs, p.Lib64...)
	return append(dirs, "/lib", "/usr/lib")
}

// MuslDefaultDirs returns musl's built-in library path, used when
// /etc/ld-musl-<arch>.path does not exist (musl's ldso/dynlink.c:
// "/lib:/usr/local/lib:/usr/lib").
func (p Platform) MuslDefaultDirs() []string {
	return []string{"/lib", "/usr/local/lib", "/usr/lib"}
}

// compatible reports whether an object with these header fields could be
// loaded by this target's loader: same class, byte order and machine, an OS
// ABI of SYSV or GNU (glibc's elf_machine_matches_host and the e_ident checks
// in open_verify), and for 32-bit ARM not the soft-float ABI when the
// target is hard-float.
func (p Platform) compatible(info *Info) bool {
	if info.Class != p.Class || info.Data != p.Data || info.Machine != p.Machine {
		return false
	}
	if info.OSABI != elf.ELFOSABI_NONE && info.OSABI != elf.ELFOSABI_LINUX {
		return false
	}
	if p.Machine == elf.EM_ARM && info.Flags&efARMABIFloatSoft != 0 {
		return false
	}
	return true
}

// efARMABIFloatSoft is EF_ARM_ABI_FLOAT_SOFT from the ARM ELF ABI: set on
// objects built for the soft-float calling convention, which an armhf
// loader rejects.
const efARMABIFloatSoft = 0x200
