package descriptor

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// MaxSize is the largest descriptor Parse accepts, in bytes. Callers
// reading slim.toml from the build context can stop reading after
// MaxSize+1 bytes.
const MaxSize = 1 << 20

// maxProblems caps how many problems one Parse reports; a generated or
// garbled file could otherwise yield one per array element.
const maxProblems = 50

// App is a parsed and validated slim.toml.
type App struct {
	File       string // file name as given (e.g. "slim.toml"), used in messages
	Source     []byte // the original bytes (positions ignore a leading UTF-8 BOM)
	Language   string
	Version    string // "" when not given
	Entrypoint Entrypoint
	Deps       []string // cleaned relative paths
	Preset     string   // "" when not given
	Port       int      // 0 when not given
	Env        []KV     // sorted by key
	User       string   // "" when not given (preset default = 65532)
	Workdir    string   // cleaned absolute path, "" when not given
	SizeBudget int64    // bytes, 0 when not given
	Build      Build
	Run        Run
	ranges     map[string]Range
	overridden map[string]string // key -> "build arg SLIM_X=value" that set it
}

// KV is one environment variable.
type KV struct{ Key, Value string }

// Entrypoint is either a path in the build context or an argv array;
// exactly one of the fields is set.
type Entrypoint struct {
	Path string   // cleaned relative path without "./": "cmd/server", "app.py", "." for "./"
	Argv []string // set when entrypoint is an array
}

// Build holds the [build] table.
type Build struct {
	Packages []string // build-only system packages
	Env      []KV     // sorted by key
	Script   string   // "" when not given
	Secrets  []string // BuildKit secret ids
	SSH      bool     // forward the default ssh agent
	// Ldflags are extra linker flags (Go: appended to the preset's
	// -ldflags), with ${NAME} and ${NAME:-default} already replaced by
	// the build's build args (Options.BuildArgs); "" when not given.
	Ldflags string
	// Tags are extra build tags (Go: merged with the preset's -tags),
	// in the file's order.
	Tags []string
}

// Run holds the [run] table.
type Run struct {
	Include  []string // cleaned relative paths copied into the image
	Packages []string // runtime system packages
	// Healthcheck is the container health check; nil when not given.
	Healthcheck *Healthcheck
	// Writable are directories, relative to the app directory and
	// cleaned, that the image creates owned by the runtime user: where
	// the app keeps state (a SQLite file, uploads). Everything else in
	// the app directory stays owned by root.
	Writable []string
	// Keep are paths relative to site-packages or node_modules
	// ("pandas/tests") that trimming leaves in the image; on Python's
	// scratch image a standard-library module name ("sqlite3") also keeps
	// the extension modules it imports (elfdeps.PlanStdlib).
	Keep []string
	// NoTrim is [run] trim = false: the dependency trees reach the image
	// with their tests, docs and build-only files (trimming is on by
	// default).
	NoTrim bool
	// Sourceless is [run] sourceless = true (Python): the venv's
	// third-party packages reach the image as bytecode only, each module's
	// .pyc at the legacy location beside where its .py was (compileall
	// -b), which importlib's SourcelessFileLoader imports. Tracebacks
	// through those packages show file and line but not the source text,
	// and inspect.getsource fails for them; the app's own files keep their
	// sources. Off by default.
	Sourceless bool
}

// Range returns the source range of a key path such as "entrypoint",
// "deps", "deps[1]", "build", "build.packages", "env.GIN_MODE". For a
// key/value the range covers the key through the end of the value, for a
// [table] its name, for an array element the element. ok is false when the
// key is not in the file (defaulted, or overridden by a build arg).
func (a *App) Range(key string) (Range, bool) {
	if a == nil {
		return Range{}, false
	}
	r, ok := a.ranges[key]
	return r, ok
}

// Options configures Parse.
type Options struct {
	// Languages and Presets are the valid values of language and preset,
	// from the caller's preset registry. An empty list accepts any value.
	Languages []string
	Presets   []string
	// Overrides maps a key to a value from a build arg, applied after
	// parsing. Supported keys: "entrypoint" (a path, replacing the file's
	// path or argv), "preset" and "version"; the build arg is named
	// SLIM_<KEY> in messages. Empty values are ignored.
	Overrides map[string]string
	// BuildArgs are all build args of the build (name -> value, as
	// `--build-arg` gives them): ${NAME} in [build] ldflags expands to
	// them. Nil when there are none.
	BuildArgs map[string]string
}

// overridable lists the keys Options.Overrides may set.
var overridable = []string{"entrypoint", "preset", "version"}

var bom = []byte("\xef\xbb\xbf")

// Parse parses and validates a whole descriptor and returns all problems
// at once. The error is an *Error when the input is bad; the App is nil
// then.
func Parse(file string, src []byte, opts Options) (*App, error) {
	fail := func(msg string, r Range) (*App, error) {
		return nil, &Error{File: file, Problems: []Problem{{Range: r, Msg: msg}}}
	}
	top := Range{Start: Pos{1, 1}, End: Pos{1, 1}}
	if len(src) > MaxSize {
		return fail(fmt.Sprintf("descriptor is %d bytes; the limit is %d bytes (1 MiB)", len(src), MaxSize), top)
	}
	// Editors on Windows like to start files with a byte order mark, which
	// TOML does not allow; it is invisible, so positions ignore it.
	data := bytes.TrimPrefix(src, bom)

	w := walk(data)
	if w.keys > maxKeys {
		return fail(fmt.Sprintf("too many keys: more than %d; a descriptor needs far fewer", maxKeys), w.tooMany)
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: file, Problems: tomlProblems(err, w)}
	}
	if len(doc) == 0 {
		return fail("empty descriptor: need at least language and entrypoint", top)
	}

	c := &checker{opts: opts, ranges: w.ranges}
	app := &App{File: file, Source: src, ranges: w.ranges}
	c.app(doc, app)
	c.overrides(app)
	if len(c.problems) == 0 {
		return app, nil
	}
	sortProblems(c.problems)
	if n := len(c.problems); n > maxProblems {
		more := c.problems[maxProblems]
		c.problems = append(c.problems[:maxProblems], Problem{
			Range: more.Range,
			Msg:   fmt.Sprintf("%d more problems not shown", n-maxProblems),
		})
	}
	return nil, &Error{File: file, Problems: c.problems}
}

// tomlProblems turns a decoding error into problems. Keys defined twice
// are reported from the walker, which knows both lines; anything else is
// a single "not valid TOML" problem at the decoder's position.
func tomlProblems(err error, w *walker) []Problem {
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return []Problem{{Range: Range{Start: Pos{1, 1}, End: Pos{1, 1}}, Msg: "not valid TOML: " + err.Error()}}
	}
	line, col := de.Position()
	if line < 1 {
		line, col = 1, 1
	}
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	deKey := strings.Join(de.Key(), ".")
	var ps []Problem
	covered := false
	for _, d := range w.dups {
		p := Problem{Key: d.key, Range: d.second}
		where := fmt.Sprintf("(lines %d and %d)", d.first.Start.Line, d.second.Start.Line)
		if d.first.Start.Line == d.second.Start.Line {
			where = fmt.Sprintf("on line %d", d.first.Start.Line)
		}
		if d.table {
			p.Msg = fmt.Sprintf("table [%s] is defined twice %s; TOML allows each table once", d.key, where)
		} else {
			p.Msg = fmt.Sprintf("key %q is set twice %s; TOML allows each key once", d.key, where)
		}
		ps = append(ps, p)
		if d.second.Start.Line == line ||
			(strings.Contains(msg, "already defined") && deKey != "" && strings.HasPrefix(d.key, deKey)) {
			covered = true
		}
	}
	if !covered {
		pos := Pos{line, col}
		ps = append(ps, Problem{Range: Range{Start: pos, End: pos}, Msg: "not valid TOML: " + msg})
	}
	sortProblems(ps)
	return ps
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
