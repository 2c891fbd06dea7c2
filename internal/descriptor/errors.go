package descriptor

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a descriptor.
type Problem struct {
	Key   string // key path, e.g. "preset", "build.packages[0]" ("" for syntax errors)
	Range Range  // zero when there is no location (build-arg overrides)
	Msg   string // what is wrong and what would be valid
	Hint  string // e.g. `did you mean "entrypoint"?` ("" if none)
}

// format renders the problem as `file:line:col: key: msg (hint)`. The
// line:col part is left out when the problem has no location and the key
// part when it has no key.
func (p Problem) format(file string) string {
	var b strings.Builder
	if file == "" {
		file = "descriptor"
	}
	b.WriteString(file)
	if p.Range.Start.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Range.Start.Line, p.Range.Start.Col)
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	if p.Hint != "" {
		b.WriteString(" (")
		b.WriteString(p.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Error is the error returned by Parse for bad input. It carries every
// problem found, in line order.
type Error struct {
	File     string
	Problems []Problem
}

// Error returns one line per problem, e.g.
//
//	slim.toml:3:1: preset: unknown preset "distrolss"; valid: alpine, distroless, scratch (did you mean "distroless"?)
func (e *Error) Error() string {
	if e == nil {
		return "descriptor: <nil error>"
	}
	if len(e.Problems) == 0 {
		return Problem{Msg: "invalid descriptor"}.format(e.File)
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.format(e.File)
	}
	return strings.Join(lines, "\n")
}

// Errorf builds an *Error about key for checks done after parsing (e.g.
// "entrypoint not found in build context"). The problem is located at the
// key's range in a; when the key itself is not in the file, the nearest
// enclosing key that is ("build.script" -> "build") is used, and failing
// that the problem has no location (line 0). a may be nil.
//
// A key set by a build arg (SLIM_PRESET, SLIM_VERSION) is reported as that
// build arg, without a location. A key left out whose default comes from the
// language (deps, version, preset) is located at the language line, and the
// message says it is a default.
func Errorf(a *App, key string, format string, args ...any) *Error {
	p := Problem{Key: key, Msg: fmt.Sprintf(format, args...)}
	file := ""
	if a != nil {
		file = a.File
		top := key
		if i := strings.IndexAny(top, ".["); i > 0 {
			top = top[:i]
		}
		if arg, ok := a.overridden[top]; ok {
			p.Msg = arg + ": " + p.Msg
		} else if r, ok := a.locate(key); ok {
			p.Range = r
		} else if r, ok := a.Range("language"); ok && defaultedByLanguage[top] {
			p.Range = r
			p.Msg += fmt.Sprintf(" (%s is not set, so the %s default applies; set %s explicitly)", top, a.Language, top)
		}
	}
	return &Error{File: file, Problems: []Problem{p}}
}

// defaultedByLanguage are keys whose value, when left out, the language's
// preset chooses.
var defaultedByLanguage = map[string]bool{"deps": true, "version": true, "preset": true, "entrypoint": true}

// Join merges the problems of errs (nil entries are skipped) into one
// *Error sorted in line order; problems without a location come last. The
// file name is taken from the first non-nil error. It returns nil when there
// is no problem at all.
func Join(errs ...*Error) *Error {
	var out *Error
	for _, e := range errs {
		if e == nil {
			continue
		}
		if out == nil {
			out = &Error{File: e.File}
		}
		out.Problems = append(out.Problems, e.Problems...)
	}
	if out == nil || len(out.Problems) == 0 {
		return nil
	}
	sortProblems(out.Problems)
	return out
}

// sortProblems orders problems by position; located problems first.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].Range.Start, ps[j].Range.Start
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// parentKey returns the key enclosing key: "build.env.X" -> "build.env",
// "deps[1]" -> "deps", "build" -> "".
func parentKey(key string) string {
	i := strings.LastIndexAny(key, ".[")
	if i <= 0 {
		return ""
	}
	return key[:i]
}

// locate returns the range of key or of its nearest enclosing key.
func (a *App) locate(key string) (Range, bool) {
	for k := key; k != ""; k = parentKey(k) {
		if r, ok := a.Range(k); ok {
			return r, true
		}
	}
	return Range{}, false
}
