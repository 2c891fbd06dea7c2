package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/internal/ocitar"
)

const sizeUsage = `usage: slim size [--budget 15MB | -f slim.toml] IMAGE.tar

Size report of an OCI image tar (docker buildx build --output type=oci,dest=IMAGE.tar):
per platform the total, then every layer compressed and uncompressed with the step that
made it. With --budget, or the size_budget of -f slim.toml, a platform whose uncompressed
size is over the budget makes the command exit 1. An image slimfront trimmed also shows
what trimming removed (bytes per kind and per package) and what stayed and why.

Example:
  slim size --budget 15MB app.tar
  slim size -f slim.toml app.tar

Exit codes: 0 ok, 1 over budget or unreadable image, 2 usage.
`

func sizeCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slim size", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, sizeUsage) }
	budget := fs.String("budget", "", "fail if any platform's uncompressed size exceeds this (e.g. 15MB)")
	file := fs.String("f", "", "descriptor whose size_budget applies")
	if code, done := parseFlags(fs, args, stdout, sizeUsage); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, sizeUsage)
		return ExitUsage
	}
	var limit int64
	if *budget != "" {
		n, err := descriptor.ParseSize(*budget)
		if err != nil {
			fmt.Fprintln(stderr, "--budget:", err)
			return ExitUsage
		}
		limit = n
	} else if *file != "" {
		pf := planFlags{file: *file, platform: "linux/amd64"}
		app, _, _, err := pf.load()
		if err != nil {
			return fail(stderr, err)
		}
		limit = app.SizeBudget
	}
	l, err := ocitar.Open(fs.Arg(0))
	if err != nil {
		return fail(stderr, err)
	}
	over := writeSizeReport(stdout, l, limit)
	writeTrimReports(stdout, l)
	if over {
		return ExitFailure
	}
	return ExitOK
}

// writeSizeReport prints, per platform image of l, the total and every
// layer, and the comparison with limit (bytes, uncompressed; 0 = none). It
// reports whether any platform is over the limit.
func writeSizeReport(w io.Writer, l *ocitar.Layout, limit int64) (over bool) {
	for _, img := range l.Images {
		fmt.Fprintf(w, "%s  %s compressed, %s uncompressed, %d layers\n", platforms.Format(img.Platform), human(img.Compressed()), human(img.Uncompressed()), len(img.Layers))
		hs := nonEmpty(img.Config.History)
		// Without a history entry per layer, the last entries are the
		// app's own steps: align from the end.
		off := len(img.Layers) - len(hs)
		for i, ly := range img.Layers {
			created := ""
			if j := i - off; j >= 0 && j < len(hs) {
				created = hs[j].CreatedBy
			}
			if created == "" {
				created = "(base image)"
			}
			fmt.Fprintf(w, "  %9s %9s  %s\n", human(ly.Compressed), human(ly.Uncompressed), created)
		}
		if limit > 0 {
			if img.Uncompressed() > limit {
				fmt.Fprintf(w, "  OVER BUDGET: %s > %s\n", human(img.Uncompressed()), human(limit))
				over = true
			} else {
				fmt.Fprintf(w, "  within budget: %s <= %s\n", human(img.Uncompressed()), human(limit))
			}
		}
	}
	return over
}

func nonEmpty(h []ocispecs.History) []ocispecs.History {
	var out []ocispecs.History
	for _, e := range h {
		if !e.EmptyLayer {
			out = append(out, e)
		}
	}
	return out
}

func human(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

const filesUsage = `usage: slim files IMAGE.tar

Lists every file of every layer of an OCI image tar, per platform: type (d dir, l symlink,
h hard link, - file), mode, uid:gid, size, name.

Example:
  slim files app.tar | grep -c ^-

Exit codes: 0 ok, 1 unreadable image, 2 usage.
`

func filesCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slim files", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, filesUsage) }
	if code, done := parseFlags(fs, args, stdout, filesUsage); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, filesUsage)
		return ExitUsage
	}
	l, err := ocitar.Open(fs.Arg(0))
	if err != nil {
		return fail(stderr, err)
	}
	for _, img := range l.Images {
		fmt.Fprintf(stdout, "# %s\n", platforms.Format(img.Platform))
		files, err := l.Files(img)
		if err != nil {
			return fail(stderr, err)
		}
		for _, f := range files {
			name := f.Name
			if f.Linkname != "" {
				name += " -> " + f.Linkname
			}
			fmt.Fprintf(stdout, "%c %04o %d:%d %9d %s\n", typeChar(f.Type), f.Mode&0o7777, f.UID, f.GID, f.Size, name)
		}
	}
	return ExitOK
}

func typeChar(t byte) rune {
	switch t {
	case '5':
		return 'd'
	case '2':
		return 'l'
	case '1':
		return 'h'
	}
	return '-'
}
