package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/slimfront/slimfront/internal/elfdeps"
)

// subcommands are run by build steps on the build platform with the target
// stage mounted read-only; they read the target's files as data and never
// execute them.
var subcommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"closure":    runClosure,
	"startcheck": runStartCheck,
}

// PlatformEnv is the environment variable the subcommands take the target
// platform from when --platform is not given: a Dockerfile's exec-form RUN
// does not expand $TARGETOS/$TARGETARCH, but its ENV does, so the ejected
// Dockerfile passes the platform this way (see presets.ToolEnv).
const PlatformEnv = "SLIM_TARGET_PLATFORM"

// closureSummary is the one JSON line `slimfront closure` prints.
type closureSummary struct {
	Platform string `json:"platform"`
	elfdeps.CopyStats
}

// runClosure implements
//
//	slimfront closure --root DIR --platform linux/arm64 --out OUTDIR [--entries] [--drop-foreign] ENTRY...
//
// It copies into OUTDIR, at the same paths, the libraries and loaders the
// ELF files at or under the ENTRY image paths load (elfdeps.Resolve), with
// --entries the entries themselves, and with --drop-foreign without the
// foreign prebuilds found in their dependency trees. It prints one JSON line
// (files, bytes, links, foreign and dropped files and bytes) and returns 0,
// or prints the problems on stderr and returns 1 (2 for usage errors).
func runClosure(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slimfront closure", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rootDir := fs.String("root", "", "the image root (the target stage's filesystem)")
	platform := fs.String("platform", os.Getenv(PlatformEnv), "target platform, e.g. linux/arm64 (default $"+PlatformEnv+")")
	out := fs.String("out", "", "directory that receives the closure at the same paths")
	entries := fs.Bool("entries", false, "also copy the entries themselves (all their files)")
	drop := fs.Bool("drop-foreign", false, "leave foreign prebuilds of dependency trees out of the entries copy (needs --entries)")
	have := fs.String("have", "", "root of the base image the copy is laid over: libraries it already has are not copied")
	var skip multiFlag
	fs.Var(&skip, "skip", "image directory whose libraries reach the image another way (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slimfront closure --root DIR --platform OS/ARCH --out OUTDIR [--entries] [--drop-foreign] [--have BASEROOT] [--skip DIR]... ENTRY...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *rootDir == "" || *platform == "" || *out == "" || fs.NArg() == 0 || (*drop && !*entries) {
		fs.Usage()
		return 2
	}
	root, p, err := open(*rootDir, *platform)
	if err != nil {
		fmt.Fprintf(stderr, "slimfront closure: %v\n", err)
		return 2
	}
	c, err := elfdeps.Resolve(root, fs.Args(), elfdeps.Options{Platform: p})
	if err != nil {
		fmt.Fprintf(stderr, "slimfront closure: %v\n", err)
		return 1
	}
	o := elfdeps.CopyOptions{DropForeign: *drop, Skip: skip}
	if *have != "" {
		if o.Have, err = elfdeps.OpenRoot(*have); err != nil {
			fmt.Fprintf(stderr, "slimfront closure: --have: %v\n", err)
			return 2
		}
	}
	if *entries {
		o.Entries = fs.Args()
	}
	st, err := elfdeps.Copy(root, c, *out, o)
	if err != nil {
		fmt.Fprintf(stderr, "slimfront closure: %v\n", err)
		return 1
	}
	line, _ := json.Marshal(closureSummary{Platform: p.String(), CopyStats: st})
	fmt.Fprintf(stdout, "%s\n", line)
	return 0
}

// runStartCheck implements
//
//	slimfront startcheck --root DIR --platform linux/arm64 [--dpkg DIR]
//
// It checks that every ELF object of the assembled image at DIR would load
// (elfdeps.StartCheck), naming the package for a missing library from the
// dpkg database under --dpkg. It returns 0 when the image would start (a
// note on stderr counts the foreign prebuilds), 1 with the message on stderr
// when it would not, 2 for usage errors.
func runStartCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slimfront startcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rootDir := fs.String("root", "", "the assembled image root")
	platform := fs.String("platform", os.Getenv(PlatformEnv), "target platform, e.g. linux/arm64 (default $"+PlatformEnv+")")
	dpkg := fs.String("dpkg", "", "root whose /var/lib/dpkg names the package of a missing library (e.g. the builder's /)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slimfront startcheck --root DIR --platform OS/ARCH [--dpkg DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *rootDir == "" || *platform == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	root, p, err := open(*rootDir, *platform)
	if err != nil {
		fmt.Fprintf(stderr, "slimfront startcheck: %v\n", err)
		return 2
	}
	rep, err := elfdeps.StartCheck(root, elfdeps.Options{Platform: p}, *dpkg)
	var se *elfdeps.StartError
	if errors.As(err, &se) {
		fmt.Fprintln(stderr, se.Error())
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "slimfront startcheck: %v\n", err)
		return 1
	}
	var foreign int64
	for _, f := range rep.Foreign {
		foreign += f.Size
	}
	fmt.Fprintf(stdout, "%s image starts: %d ELF objects resolve", p, rep.Objects)
	if len(rep.Foreign) > 0 {
		fmt.Fprintf(stdout, "; %d foreign prebuilds (%d bytes) nothing loads", len(rep.Foreign), foreign)
	}
	fmt.Fprintln(stdout)
	return 0
}

func open(dir, platform string) (*elfdeps.Root, elfdeps.Platform, error) {
	p, err := elfdeps.ParsePlatform(strings.TrimSpace(platform))
	if err != nil {
		return nil, p, err
	}
	root, err := elfdeps.OpenRoot(dir)
	return root, p, err
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
