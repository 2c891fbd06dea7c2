package descriptor

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/pelletier/go-toml/v2/unstable"
)

// Pos is a position in the source: 1-based line and 1-based byte column.
type Pos struct{ Line, Col int }

// Range is a span of the source. Start is the first byte, End the position
// just after the last byte.
type Range struct{ Start, End Pos }

// lineIndex maps byte offsets (as reported by the TOML parser) to line:col.
// It holds the offset at which every line starts, so a lookup is a binary
// search instead of a rescan of the document (unstable.Parser.Shape rescans
// from the top, which is quadratic over a large file).
type lineIndex []int

func newLineIndex(src []byte) lineIndex {
	idx := lineIndex{0}
	for off := 0; ; {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return idx
		}
		off += i + 1
		idx = append(idx, off)
	}
}

func (li lineIndex) pos(off int) Pos {
	n := sort.Search(len(li), func(i int) bool { return li[i] > off })
	return Pos{Line: n, Col: off - li[n-1] + 1}
}

func (li lineIndex) span(start, end int) Range {
	return Range{Start: li.pos(start), End: li.pos(end)}
}

const (
	// maxWalkDepth bounds how deep into nested arrays and inline tables
	// ranges are recorded. slim.toml never nests deeper than
	// build.env.NAME; problems deeper down are located at the nearest
	// recorded parent. Without the bound, pathological nesting (the parser
	// allows 10000 levels) would cost quadratic memory in key paths.
	maxWalkDepth = 4
	// maxSpanDepth bounds the recursion that finds where a nested array
	// starts and ends (arrays carry no range of their own in the AST).
	maxSpanDepth = 64
	// maxKeys bounds the number of keys (key/values, also inside inline
	// tables, and table headers) in a document. go-toml checks each new key
	// against all keys seen so far, so decoding is quadratic in the key
	// count; a real slim.toml has a few dozen.
	maxKeys = 5000
)

// duplicate is a key (or [table]) defined twice.
type duplicate struct {
	key           string
	first, second Range
	table         bool
}

// walker records the range of every key path in a TOML document by walking
// the go-toml unstable AST, and notes keys defined twice. It runs over the
// document even when decoding fails, stopping at the first syntax error.
type walker struct {
	lines   lineIndex
	ranges  map[string]Range // key path -> range
	defined map[string]Range // keys holding a value and explicit [tables]
	arrays  map[string]int   // [[array table]] path -> entries so far
	dups    []duplicate
	keys    int   // keys counted so far
	tooMany Range // where the key beyond maxKeys is
}

func walk(data []byte) *walker {
	w := &walker{
		lines:   newLineIndex(data),
		ranges:  map[string]Range{},
		defined: map[string]Range{},
		arrays:  map[string]int{},
	}
	var p unstable.Parser
	p.Reset(data)
	prefix := ""
	for p.NextExpression() {
		e := p.Expression()
		if !w.count(e) {
			break // too many keys: Parse reports that and nothing else
		}
		switch e.Kind {
		case unstable.KeyValue:
			w.keyValue(prefix, e, 0)
		case unstable.Table:
			parts, r := w.key(e.Key())
			prefix = w.resolve(parts, r)
			w.define(prefix, r, true)
		case unstable.ArrayTable:
			parts, r := w.key(e.Key())
			base := join(w.resolve(parts[:len(parts)-1], r), parts[len(parts)-1])
			w.setIfAbsent(base, r)
			n := w.arrays[base]
			w.arrays[base] = n + 1
			prefix = fmt.Sprintf("%s[%d]", base, n)
			w.ranges[prefix] = r
		}
	}
	// A parse error (p.Error()) is reported by the decoder, which gives the
	// same position; the walker only keeps what it saw up to that point.
	return w
}

// count adds the keys in expression e to w.keys. Once the count exceeds
// maxKeys it notes where and returns false.
func (w *walker) count(e *unstable.Node) bool {
	stack := []*unstable.Node{e}
	for len(stack) > 0 && w.keys <= maxKeys {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch n.Kind {
		case unstable.KeyValue, unstable.Table, unstable.ArrayTable:
			w.keys++
			if w.keys > maxKeys {
				s, _ := spanStart(n, 0)
				if n.Kind != unstable.KeyValue {
					_, w.tooMany = w.key(n.Key())
				} else {
					w.tooMany = w.lines.span(s, s)
				}
			}
		}
		switch n.Kind {
		case unstable.KeyValue:
			stack = append(stack, n.Value())
		case unstable.Array, unstable.InlineTable:
			for it := n.Children(); it.Next(); {
				stack = append(stack, it.Node())
			}
		}
	}
	return w.keys <= maxKeys
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// key returns the parts of a (possibly dotted) key and its range.
func (w *walker) key(it unstable.Iterator) ([]string, Range) {
	var parts []string
	start, end := -1, 0
	for it.Next() {
		n := it.Node()
		parts = append(parts, string(n.Data))
		if start < 0 {
			start = int(n.Raw.Offset)
		}
		end = int(n.Raw.Offset + n.Raw.Length)
	}
	if start < 0 {
		start = 0
	}
	return parts, w.lines.span(start, end)
}

// resolve turns the parts of a table header into a key path, pointing
// into the latest entry of any [[array table]] on the way. Intermediate
// tables get r as their range unless they already have one.
func (w *walker) resolve(parts []string, r Range) string {
	path := ""
	for _, part := range parts {
		path = join(path, part)
		if n, ok := w.arrays[path]; ok {
			path = fmt.Sprintf("%s[%d]", path, n-1)
		}
		w.setIfAbsent(path, r)
	}
	return path
}

func (w *walker) setIfAbsent(path string, r Range) {
	if _, ok := w.ranges[path]; !ok {
		w.ranges[path] = r
	}
}

func (w *walker) define(path string, r Range, table bool) {
	if first, ok := w.defined[path]; ok {
		w.dups = append(w.dups, duplicate{key: path, first: first, second: r, table: table})
		return
	}
	w.defined[path] = r
	w.ranges[path] = r
}

func (w *walker) keyValue(prefix string, kv *unstable.Node, depth int) {
	parts, _ := w.key(kv.Key())
	r := w.lines.span(int(kv.Raw.Offset), int(kv.Raw.Offset+kv.Raw.Length))
	path := prefix
	for i, part := range parts {
		path = join(path, part)
		if i < len(parts)-1 {
			w.setIfAbsent(path, r)
		}
	}
	w.define(path, r, false)
	w.value(path, kv.Value(), r, depth)
}

// value records the ranges of the elements of arrays and inline tables.
func (w *walker) value(path string, n *unstable.Node, r Range, depth int) {
	if depth >= maxWalkDepth {
		return
	}
	switch n.Kind {
	case unstable.Array:
		i := 0
		for it := n.Children(); it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			cp := fmt.Sprintf("%s[%d]", path, i)
			i++
			cr := r
			if s, ok := spanStart(c, 0); ok {
				if e, ok := spanEnd(c, 0); ok {
					cr = w.lines.span(s, e)
				}
			}
			w.ranges[cp] = cr
			w.value(cp, c, cr, depth+1)
		}
	case unstable.InlineTable:
		for it := n.Children(); it.Next(); {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				w.keyValue(path, c, depth+1)
			}
		}
	}
}

// spanStart returns the offset at which a value node starts. Arrays have
// no range in the AST, so they start where their first element starts.
func spanStart(n *unstable.Node, depth int) (int, bool) {
	if depth > maxSpanDepth {
		return 0, false
	}
	if n.Kind != unstable.Array {
		return int(n.Raw.Offset), n.Raw.Length > 0
	}
	for it := n.Children(); it.Next(); {
		if c := it.Node(); c.Kind != unstable.Comment {
			if s, ok := spanStart(c, depth+1); ok {
				return s, true
			}
		}
	}
	return 0, false
}

// spanEnd returns the offset just after a value node. Arrays end where
// their last element ends, inline tables where their last key/value ends.
func spanEnd(n *unstable.Node, depth int) (int, bool) {
	if depth > maxSpanDepth {
		return 0, false
	}
	switch n.Kind {
	case unstable.Array, unstable.InlineTable:
		var children []*unstable.Node
		for it := n.Children(); it.Next(); {
			if c := it.Node(); c.Kind != unstable.Comment {
				children = append(children, c)
			}
		}
		for i := len(children) - 1; i >= 0; i-- {
			if e, ok := spanEnd(children[i], depth+1); ok {
				return e, true
			}
		}
		if n.Kind == unstable.Array {
			return 0, false
		}
	}
	return int(n.Raw.Offset + n.Raw.Length), n.Raw.Length > 0
}
