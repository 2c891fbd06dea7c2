package cli

import (
	"archive/tar"
	"fmt"
	"io"
	"strings"

	"github.com/containerd/platforms"
	"github.com/slimfront/slimfront/internal/elfdeps"
	"github.com/slimfront/slimfront/internal/ocitar"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
)

// trimTop is how many packages the trimming report names before it sums
// the rest.
const trimTop = 8

// imageTrimReport returns the trimming report an image carries at
// elfdeps.TrimReportPath (topmost layer holding it), found = false when the
// image has none (trimming off, a Go app, or an image not built by
// slimfront). Errors are the layer reader's or the JSON's.
func imageTrimReport(l *ocitar.Layout, img ocitar.Image) (r elfdeps.TrimReport, found bool, err error) {
	name := strings.TrimPrefix(elfdeps.TrimReportPath, "/")
	var data []byte
	for _, ly := range img.Layers {
		err := l.WalkLayer(ly, func(n string, _ *tar.Header, rd io.Reader) error {
			if n != name {
				return nil
			}
			b, err := io.ReadAll(rd)
			data, found = b, true
			return err
		})
		if err != nil {
			return r, false, err
		}
	}
	if !found {
		return r, false, nil
	}
	r, err = elfdeps.ReadTrimReport(data)
	return r, err == nil, err
}

// writeTrimReports prints, per platform image of l that carries one, the
// trimming report: bytes removed per kind and per package and what stayed
// and why. Images without a report print nothing; an unreadable report is
// a line saying so (the size report above is still right).
func writeTrimReports(w io.Writer, l *ocitar.Layout) {
	for _, img := range l.Images {
		r, found, err := imageTrimReport(l, img)
		switch {
		case err != nil:
			fmt.Fprintf(w, "%s  trimming report unreadable: %v\n", platforms.Format(img.Platform), err)
		case found:
			lines := r.Summary(trimTop, human)
			fmt.Fprintf(w, "%s  %s\n", platforms.Format(img.Platform), lines[0])
			for _, s := range lines[1:] {
				fmt.Fprintln(w, s)
			}
		}
	}
}

// writePlanTrim prints what the plan's closure steps will trim (the
// presets.Trimming of plan), or that trimming is off when a closure copies
// dependency trees without it. Plans without dependency trees (Go) print
// nothing.
func writePlanTrim(w io.Writer, plan llbgen.Plan) {
	for _, t := range presets.Trimming(plan) {
		if !t.On {
			fmt.Fprintf(w, "trim %s: off ([run] trim = false); the trees are copied whole\n", strings.Join(t.Trees, ", "))
			continue
		}
		fmt.Fprintf(w, "trim %s (stage %s): %s\n", strings.Join(t.Trees, ", "), t.Stage, strings.Join(t.Kinds, ", "))
		fmt.Fprintln(w, "  stays: licences, package metadata (*.dist-info, package.json), entry points, and what other modules import from a test or doc directory")
		if len(t.Keep) > 0 {
			fmt.Fprintf(w, "  [run] keep: %s\n", strings.Join(t.Keep, ", "))
		}
		fmt.Fprintf(w, "  bytes per kind and package: `slim build` prints them (the image carries %s)\n", elfdeps.TrimReportPath)
	}
}
