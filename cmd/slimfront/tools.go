package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/slimfront/slimfront/internal/elfdeps"
	"github.com/slimfront/slimfront/presets/debpkg"
)

// subcommands are run by build steps on the build platform with the target
// stage mounted read-only; they read the target's files as data and never
// execute them.
var subcommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"closure":    runClosure,
	"startcheck": runStartCheck,
	"runpkgs":    runRunPackages,
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
	// Records are the Debian packages whose records --records wrote.
	Records []string `json:"records,omitempty"`
}

// runClosure implements
//
//	slimfront closure --root DIR --platform linux/arm64 --out OUTDIR [--entries] [--drop-foreign] [--records] [--tree DIR]... ENTRY...
//
// It copies into OUTDIR (created if missing, so an empty closure is an
// empty directory), at the same paths, the libraries and loaders the ELF
// files at or under the ENTRY and --tree image paths load (elfdeps.Resolve),
// with --entries the entries themselves, and with --drop-foreign without the
// foreign prebuilds found in their dependency trees. Each --tree DIR (a venv,
// a node_modules) is resolved like an entry and copied whole without its
// foreign prebuilds, whatever --entries says, so the image can take the
// dependency tree from OUTDIR instead of from the install stage; with
// --trim without what never runs in production (elfdeps.PlanTrim: test
// suites, docs, examples, headers, static libraries, stubs, TypeScript,
// source maps unless --keep-source-maps; --keep PATH keeps a path relative
// to site-packages or node_modules), reported per kind and per package
// under "trimmed" in the JSON line and in OUTDIR/usr/share/slimfront/trimmed.json
// (elfdeps.WriteTrimReport: dated $SOURCE_DATE_EPOCH when set, else like the
// trees), which the image carries for `slim build` and `slim size`. With
// --records, the Debian packages of the root's dpkg database that own the
// copied libraries and loaders or the ENTRY files get distroless-style
// records in OUTDIR/var/lib/dpkg/status.d (elfdeps.WriteRecords; times from
// $SOURCE_DATE_EPOCH when set, else the files'), so scanners list them;
// packages the --have base already records are left to it. With --sourceless
// every X.py of a --tree that has X.pyc beside it stays out of the copy
// ([run] sourceless), counted under "sourceless". With --stdlib-ext
// DIR=DEST the standard library's extension modules at DIR (lib-dynload
// under the rootfs) are copied to DEST in OUTDIR and their libraries
// resolved; with --trim and --stdlib-graph only those something can import
// (elfdeps.PlanStdlib: from the --tree and --sources files' imports, the
// interpreter's start, --stdlib-root and --keep modules, through the graph),
// the others and the libraries only they load reported under "trimmed" as
// kind "stdlib-extensions". It prints one JSON line
// (files, bytes, links, foreign and dropped files and bytes, trimmed, sourceless, records) and returns 0,
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
	records := fs.Bool("records", false, "write status.d records of the Debian packages (from --root's dpkg database) that own the copied files and the entries")
	trim := fs.Bool("trim", false, "leave out of the --tree copies what never runs in production: test suites, docs, examples, C headers, static libraries, stubs, TypeScript, source maps (elfdeps.PlanTrim)")
	sourceless := fs.Bool("sourceless", false, "leave out of the --tree copies every X.py that has X.pyc beside it ([run] sourceless: Python imports the bytecode)")
	keepMaps := fs.Bool("keep-source-maps", false, "with --trim, keep node_modules' source maps (the app runs node --enable-source-maps)")
	stdlibExt := fs.String("stdlib-ext", "", "DIR=DEST: the stdlib's extension modules (lib-dynload) at DIR in --root, copied to the image directory DEST; with --trim and --stdlib-graph only those something can import (elfdeps.PlanStdlib)")
	stdlibGraph := fs.String("stdlib-graph", "", "with --stdlib-ext and --trim, the stdlib's import graph in --root (JSON, written by the rootfs script)")
	var skip, trees, keep, sources, roots multiFlag
	fs.Var(&sources, "sources", "with --stdlib-graph, a host directory of the app's sources whose imports count (repeatable)")
	fs.Var(&roots, "stdlib-root", "with --stdlib-graph, a module that stays reachable: the entrypoint's and [env]'s words that could name one (repeatable; --keep entries count too; names that are no stdlib module are ignored)")
	fs.Var(&keep, "keep", "with --trim, a path relative to site-packages or node_modules that stays, e.g. pandas/tests (repeatable)")
	fs.Var(&skip, "skip", "image directory whose libraries reach the image another way (repeatable)")
	fs.Var(&trees, "tree", "dependency tree (image directory) resolved and copied whole without its foreign prebuilds (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slimfront closure --root DIR --platform OS/ARCH --out OUTDIR [--entries] [--drop-foreign] [--records] [--have BASEROOT] [--skip DIR]... [--tree DIR]... [--trim [--keep PATH]... [--keep-source-maps]] [--sourceless] [--stdlib-ext DIR=DEST [--stdlib-graph FILE [--sources DIR]... [--stdlib-root MOD]...]] [ENTRY...]")
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
	var std *elfdeps.StdlibPlan
	dyn, dest, _ := strings.Cut(*stdlibExt, "=")
	if *stdlibExt != "" {
		if dest == "" {
			fs.Usage()
			return 2
		}
		if *trim && *stdlibGraph != "" {
			std, err = elfdeps.PlanStdlib(root, elfdeps.StdlibOptions{Graph: *stdlibGraph, Dynload: dyn, Trees: trees, Sources: sources, Roots: append(append([]string{}, roots...), keep...)})
		} else {
			std, err = elfdeps.AllStdlib(root, dyn)
		}
		if err != nil {
			fmt.Fprintf(stderr, "slimfront closure: --stdlib-ext: %v\n", err)
			return 1
		}
		all = append(all, std.Kept...)
	}
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
	o := elfdeps.CopyOptions{DropForeign: *drop || len(trees) > 0, Skip: append(skip, trees...), Sourceless: *sourceless}
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
	if *trim {
		if o.Trim, err = elfdeps.PlanTrim(root, trees, elfdeps.TrimOptions{Keep: keep, SourceMaps: *keepMaps}); err != nil {
			fmt.Fprintf(stderr, "slimfront closure: --trim: %v\n", err)
			return 1
		}
	}
	st, err := elfdeps.Copy(root, c, *out, o)
	if err != nil {
		fmt.Fprintf(stderr, "slimfront closure: %v\n", err)
		return 1
	}
	sum := closureSummary{Platform: p.String(), CopyStats: st}
	if std != nil {
		n, b, err := elfdeps.CopyStdlib(root, std.Kept, dyn, dest, *out)
		if err == nil && o.Trim != nil {
			err = reportStdlib(root, std, c, all, o, p)
		}
		if err != nil {
			fmt.Fprintf(stderr, "slimfront closure: --stdlib-ext: %v\n", err)
			return 1
		}
		sum.Files += n
		sum.Bytes += b
	}
	if *records {
		held := o.Held(c)
		for _, e := range fs.Args() {
			if canon, _, err := root.Lookup(e); err == nil {
				if fi, _, err := root.Stat(canon); err == nil && fi.Mode().IsRegular() {
					held = append(held, canon)
				}
			}
		}
		if sum.Records, err = elfdeps.WriteRecords(root, held, *out, o.Have, sourceDateEpoch()); err != nil {
			fmt.Fprintf(stderr, "slimfront closure: --records: %v\n", err)
			return 1
		}
	}
	if o.Trim != nil {
		if err := elfdeps.WriteTrimReport(*out, o.Trim.Report, elfdeps.ReportTime(root, trees, sourceDateEpoch())); err != nil {
			fmt.Fprintf(stderr, "slimfront closure: --trim: report: %v\n", err)
			return 1
		}
	}
	line, _ := json.Marshal(sum)
	fmt.Fprintf(stdout, "%s\n", line)
	return 0
}

// reportStdlib adds to o.Trim's report the extension modules std drops and
// the libraries only they load: those the closure of all plus the dropped
// modules holds beyond c (resolved for the platform p), with their bytes
// under the kind "stdlib-extensions" and the package "stdlib". When std
// keeps everything for a reason other than trimming being off, the reason
// is among the report's kept entries.
func reportStdlib(root *elfdeps.Root, std *elfdeps.StdlibPlan, c *elfdeps.Closure, all []string, o elfdeps.CopyOptions, p elfdeps.Platform) error {
	r := &o.Trim.Report
	if std.Everything != "" {
		r.Kept = append(r.Kept, "stdlib extension modules: all, "+std.Everything)
		return nil
	}
	if len(std.Dropped) == 0 {
		return nil
	}
	full, err := elfdeps.Resolve(root, append(append([]string{}, all...), std.Dropped...), elfdeps.Options{Platform: p})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, f := range o.Held(c) {
		have[f] = true
	}
	add := func(f string) error {
		fi, _, err := root.Stat(f)
		if err != nil {
			return err
		}
		r.Files++
		r.Bytes += fi.Size()
		if r.Kinds == nil {
			r.Kinds = map[string]int64{}
		}
		if r.Packages == nil {
			r.Packages = map[string]int64{}
		}
		r.Kinds["stdlib-extensions"] += fi.Size()
		r.Packages["stdlib"] += fi.Size()
		return nil
	}
	for _, f := range std.Dropped {
		if err := add(f); err != nil {
			return err
		}
		mod, _, _ := strings.Cut(path.Base(f), ".")
		r.Stdlib = append(r.Stdlib, mod)
	}
	for _, f := range o.Held(full) {
		if !have[f] {
			if err := add(f); err != nil {
				return err
			}
			r.Stdlib = append(r.Stdlib, path.Base(f))
		}
	}
	return nil
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

// sourceDateEpoch is $SOURCE_DATE_EPOCH as a time, zero when unset or bad.
func sourceDateEpoch() time.Time {
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0)
	}
	return time.Time{}
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

// runRunPackages implements
//
//	slimfront runpkgs --lists DIR --platform linux/arm64 --out OUTDIR [--have ROOT]... PKG...
//
// the `[run] packages` step on Debian-based bases (presets.RunPackages): it
// resolves PKG... and their dependencies for the target's Debian
// architecture from apt's indexes in --lists (debpkg.LoadIndex), minus the
// packages the --have roots record (status.d, or a dpkg status file),
// downloads them with apt-get and unpacks them into OUTDIR without
// maintainer scripts, docs, man pages or locales, each with its status.d
// record (debpkg.Install). It prints one JSON line (packages with versions,
// files, bytes) and returns 0; an unknown name prints the key, the name and
// suggestions and returns 1; usage errors return 2.
func runRunPackages(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slimfront runpkgs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lists := fs.String("lists", "/var/lib/apt/lists", "apt's lists directory after apt-get update (uncompressed indexes)")
	platform := fs.String("platform", os.Getenv(PlatformEnv), "target platform, e.g. linux/arm64 (default $"+PlatformEnv+")")
	out := fs.String("out", "", "directory that receives the packages' files and records, laid over the image root")
	debs := fs.String("debs", "", "directory for the downloaded .debs (default: a temporary one)")
	var have multiFlag
	fs.Var(&have, "have", "root whose package records name packages the image already has (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slimfront runpkgs --platform OS/ARCH --out OUTDIR [--lists DIR] [--have ROOT]... PKG...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || *platform == "" || fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	p, err := elfdeps.ParsePlatform(strings.TrimSpace(*platform))
	if err != nil {
		fmt.Fprintf(stderr, "slimfront runpkgs: %v\n", err)
		return 2
	}
	arch, err := debpkg.Arch(p.String())
	if err != nil {
		fmt.Fprintf(stderr, "slimfront runpkgs: %v\n", err)
		return 2
	}
	ix, err := debpkg.LoadIndex(*lists, arch)
	if err != nil {
		fmt.Fprintf(stderr, "slimfront runpkgs: %v\n", err)
		return 1
	}
	hv := map[string]bool{}
	for _, h := range have {
		got, err := debpkg.HaveRecords(h)
		if err != nil {
			fmt.Fprintf(stderr, "slimfront runpkgs: --have %s: %v\n", h, err)
			return 1
		}
		for n := range got {
			hv[n] = true
		}
	}
	res, err := ix.Resolve(fs.Args(), hv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	dir := *debs
	if dir == "" {
		if dir, err = os.MkdirTemp("", "debs"); err != nil {
			fmt.Fprintf(stderr, "slimfront runpkgs: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
	}
	rep, err := debpkg.Install(res, arch, dir, *out, sourceDateEpoch(), stderr)
	if err != nil {
		fmt.Fprintf(stderr, "slimfront runpkgs: %v\n", err)
		return 1
	}
	line, _ := json.Marshal(rep)
	fmt.Fprintf(stdout, "%s\n", line)
	return 0
}
