// Package elfdeps computes what the dynamic loader of a Linux image will load,
// without running anything: it reads the target's ELF files as data (with
// debug/elf) inside a root directory that holds an image's filesystem, so it
// runs on the build platform for any target architecture.
//
// The pieces:
//
//   - Root resolves paths inside an image root, following symlinks the way the
//     kernel would if the root were "/" (absolute link targets are relative to
//     the root, ".." never leaves it).
//   - Inspect reads one ELF file: class, machine, OS ABI, PT_INTERP, DT_NEEDED,
//     DT_RUNPATH/DT_RPATH, DT_SONAME, and whether it is linked against glibc or
//     musl.
//   - Resolve computes the transitive library closure of entry files and
//     directories as glibc's ld.so(8) (or musl's loader for a musl target)
//     searches it, and classifies foreign prebuilds in dependency trees.
//   - StartCheck walks a whole assembled image and proves that every ELF
//     object's interpreter and libraries resolve inside it, naming the Debian
//     package that provides a missing library.
//
// Nothing here executes the files it inspects.
package elfdeps
