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
//	slimfront closure --root DIR --platform linux/arm64 --out OUTDIR [--entries] [--drop-foreign] [--tree DIR]... ENTRY...
//
// It copies into OUTDIR (created if missing, so an empty closure is an
// empty directory), at the same paths, the libraries and loaders the ELF
// files at or under the ENTRY and --tree image paths load (elfdeps.Resolve),
// with --entries the entries themselves, and with --drop-foreign without the
// foreign prebuilds found in their dependency trees. Each --tree DIR (a venv,
// a node_modules) is resolved like an entry and copied whole without its
// foreign prebuilds, whatever --entries says, so the image can take the
// dependency tree from OUTDIR instead of from the install stage. It prints one JSON line
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
	var skip, trees multiFlag
	fs.Var(&skip, "skip", "image directory whose libraries reach the image another way (repeatable)")
	fs.Var(&trees, "tree", "dependency tree (image directory) resolved and copied whole without its foreign prebuilds (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slimfront closure --root DIR --platform OS/ARCH --out OUTDIR [--entries] [--drop-foreign] [--have BASEROOT] [--skip DIR]... [--tree DIR]... [ENTRY...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *rootDir == "" || *platform == "" || *out == "" || fs.NArg()+len(trees) == 0 || (*drop && !*entries) {
		fs.Usage()
		return 2
	}
	root, p, err := open(*rootDir, *platform)
	if err != nil {
		fmt.Fprintf(stderr, "slimfront closure: %v\n", err)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "slimfront closure: %v\n", err)
		return 1
	}
	all := append(append([]string{}, fs.Args()...), trees...)
	c, err := elfdeps.Resolve(root, all, elfdeps.Options{Platform: p})
	var ee *elfdeps.Error
	if errors.As(err, &ee) {
		// the root is the builder the libraries come from: its dpkg
		// database names the package of a library it lacks
		fmt.Fprintln(stderr, startFailure(*rootDir, ee))
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "slimfront closure: %v\n", err)
		return 1
	}
	o := elfdeps.CopyOptions{DropForeign: *drop || len(trees) > 0, Skip: append(skip, trees...)}
	if *have != "" {
		if o.Have, err = elfdeps.OpenRoot(*have); err != nil {
			fmt.Fprintf(stderr, "slimfront closure: --have: %v\n", err)
			return 2
		}
	}
	if *entries {
		o.Entries = fs.Args()
	}
	o.Entries = append(o.Entries, trees...)
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

// startFailure is the message for libraries that do not resolve in the
// root dir: elfdeps.FormatStartFailure with each missing library's Debian
// package from the dpkg database under dir (none named when it has none).
func startFailure(dir string, e *elfdeps.Error) string {
	providers := map[string]string{}
	if db, err := elfdeps.LoadPackageDB(dir); err == nil {
		for _, m := range e.Missing {
			providers[m.Needed] = db.Provider(m.Needed, e.Platform)
		}
	}
	return elfdeps.FormatStartFailure(e.Platform, e.WrongArch, e.Missing, providers)
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
