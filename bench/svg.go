package bench

import (
	"fmt"
	"html"
	"math"
	"strings"
)

var kindColor = map[string]string{
	KindHand:      "#9e9e9e",
	KindReference: "#cfcfcf",
	KindSlim:      "#2e7d32",
	KindRendered:  "#81c784",
}

// sizesSVG draws one horizontal bar per built variant: uncompressed image
// size on a log scale (sizes span 5 MB to 1 GB), compressed size as a
// darker inner bar, grouped by app.
func sizesSVG(apps []*App) string {
	type row struct {
		label  string
		kind   string
		u, c   int64
		header bool
	}
	var rows []row
	var max int64 = 10e6
	for _, a := range apps {
		var rs []row
		for _, v := range a.Variants {
			if v.Result.ok() {
				rs = append(rs, row{label: v.Label(), kind: v.Kind, u: v.Result.Uncompressed, c: v.Result.Compressed})
				if v.Result.Uncompressed > max {
					max = v.Result.Uncompressed
				}
			}
		}
		if len(rs) > 0 {
			rows = append(rows, row{label: a.Name, header: true})
			rows = append(rows, rs...)
		}
	}
	const (
		left, barW, rowH, top = 190, 560, 20, 46
		minB                  = 1e6
	)
	maxDecade := math.Ceil(math.Log10(float64(max)))
	scale := func(n int64) float64 {
		if n < minB {
			n = minB
		}
		return barW * (math.Log10(float64(n)) - 6) / (maxDecade - 6)
	}
	h := top + rowH*len(rows) + 40
	w := left + barW + 110
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="10" y="18" font-size="14" font-weight="bold">Image size (uncompressed; inner bar: compressed), log scale</text>` + "\n")
	lx := 10
	for _, k := range []string{KindHand, KindReference, KindSlim, KindRendered} {
		p(`<rect x="%d" y="26" width="10" height="10" fill="%s"/><text x="%d" y="35">%s</text>`+"\n", lx, kindColor[k], lx+14, k)
		lx += 14 + 8*len(k) + 16
	}
	for d := 6.0; d <= maxDecade; d++ {
		x := left + barW*(d-6)/(maxDecade-6)
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e0e0e0"/>`+"\n", x, top-4, x, h-30)
		p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#666">%s</text>`+"\n", x, h-16, tick(d))
	}
	for i, r := range rows {
		y := top + i*rowH
		if r.header {
			p(`<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+14, html.EscapeString(r.label))
			continue
		}
		p(`<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y+14, html.EscapeString(r.label))
		p(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y+3, math.Max(scale(r.u), 1), rowH-6, kindColor[r.kind])
		p(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="#000000" fill-opacity="0.25"/>`+"\n", left, y+7, math.Max(scale(r.c), 1), rowH-14)
		p(`<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+math.Max(scale(r.u), 1)+4, y+14, mb(r.u))
	}
	p("</svg>\n")
	return b.String()
}

// tick labels a decade of the log axis: 1 MB, 10 MB, 100 MB, 1 GB.
func tick(decade float64) string {
	if decade >= 9 {
		return fmt.Sprintf("%.0f GB", math.Pow(10, decade-9))
	}
	return fmt.Sprintf("%.0f MB", math.Pow(10, decade-6))
}
