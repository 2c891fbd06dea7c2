package python

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/slimfront/slimfront/internal/descriptor"
)

// A requirements file may include others, one option per line, the way
// pip reads them (https://pip.pypa.io/en/stable/reference/requirements-file-format/):
// `-r other.txt` / `--requirement other.txt` (its requirements too) and
// `-c constraints.txt` / `--constraint constraints.txt` (versions the
// install must respect, nothing installed for them), each path relative to
// the directory of the file that names it. followIncludes reads those
// lines so listing the top file in deps is enough.

// includeOpts maps the spellings of pip's include options to their short
// form, for messages.
var includeOpts = map[string]string{"-r": "-r", "--requirement": "-r", "-c": "-c", "--constraint": "-c"}

// reqComment is pip's comment rule: '#' at the start of a line or after
// whitespace starts a comment (requirements.txt, COMMENT_RE in pip's req_file.py).
var reqComment = regexp.MustCompile(`(^|\s+)#.*$`)

// reqEnvVar is the ${NAME} form pip expands in requirements files
// (uppercase letters, digits and underscores only).
var reqEnvVar = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

// include is one -r/-c line of a requirements file.
type include struct {
	line   int    // 1-based line where the (possibly continued) line starts
	opt    string // "-r" or "-c"
	target string // as written
}

// parseIncludes returns the -r/--requirement and -c/--constraint lines of
// a requirements file's text, with pip's rules: lines ending in a
// backslash continue on the next one, comments are dropped, ${VAR} is
// expanded from the environment when set, the value follows the option
// after a space, an '=' (long forms) or directly (-rfile). URLs are left
// out (pip fetches them when it installs).
func parseIncludes(text []byte) []include {
	var out []include
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	n, start := 0, 0
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(reqComment.ReplaceAllString(cur.String(), ""))
		cur.Reset()
		if !strings.HasPrefix(line, "-") {
			return
		}
		fields := strings.Fields(line)
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			var opt, val string
			if short, ok := includeOpts[f]; ok && i+1 < len(fields) {
				opt, val = short, fields[i+1]
				i++
			} else if k, v, ok := strings.Cut(f, "="); ok && strings.HasPrefix(k, "--") && includeOpts[k] != "" {
				opt, val = includeOpts[k], v
			} else if len(f) > 2 && (strings.HasPrefix(f, "-r") || strings.HasPrefix(f, "-c")) && f[1] != '-' {
				opt, val = f[:2], f[2:]
			} else {
				continue
			}
			val = strings.Trim(reqEnvVar.ReplaceAllStringFunc(val, func(m string) string {
				if v, ok := os.LookupEnv(m[2 : len(m)-1]); ok {
					return v
				}
				return m
			}), `"'`)
			if val == "" || strings.Contains(val, "://") {
				continue
			}
			out = append(out, include{line: start, opt: opt, target: val})
		}
	}
	for sc.Scan() {
		n++
		l := sc.Text()
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(l, `\`) {
			cur.WriteString(strings.TrimSuffix(l, `\`))
			continue
		}
		cur.WriteString(l)
		flush()
	}
	if cur.Len() > 0 {
		flush()
	}
	return out
}

// followIncludes reads the requirements and constraints files in in
// through files (the build context's files by slash-separated path, a
// missing one wrapping fs.ErrNotExist: presets.ContextFiles) and, recursively, every file their -r/-c lines include,
// and adds each included file to in.manifests, so the deps stage copies it
// with them before the install (at its context path, where pip looks for
// it: relative to the including file's directory). A file is read once
// (include cycles end there). With files nil (planning from the
// descriptor alone) it does nothing.
//
// Errors are *descriptor.Error at the deps entry the chain starts from,
// naming the requirements file and line of the include: one that leaves
// the build context (an absolute path or too many ".."), is missing, is a
// directory, or cannot be read.
func followIncludes(app *descriptor.App, files func(name string) ([]byte, error), in *installer) error {
	if files == nil || in.kind != kindRequirements {
		return nil
	}
	type item struct {
		file, key, from string // from: the chain so far, for messages
	}
	keyOf := func(f string) string {
		if i := slices.Index(app.Deps, f); i >= 0 {
			return fmt.Sprintf("deps[%d]", i)
		}
		return "deps"
	}
	var todo []item
	for _, f := range slices.Concat(in.requirements, in.constraints) {
		todo = append(todo, item{file: path.Clean(f), key: keyOf(f)})
	}
	seen := map[string]bool{}
	for _, f := range in.manifests {
		seen[path.Clean(f)] = true
	}
	read := map[string]bool{}
	var errs []*descriptor.Error
	for len(todo) > 0 {
		it := todo[0]
		todo = todo[1:]
		if read[it.file] {
			continue
		}
		read[it.file] = true
		text, err := files(it.file)
		if err != nil {
			if it.from == "" { // a deps entry: the frontend's path check reports it
				continue
			}
			errs = append(errs, descriptor.Errorf(app, it.key, "%s: %s", it.from, readError(it.file, err)))
			continue
		}
		for _, inc := range parseIncludes(text) {
			at := fmt.Sprintf("%s:%d: %s %s", it.file, inc.line, inc.opt, inc.target)
			target := path.Clean(path.Join(path.Dir(it.file), inc.target))
			if path.IsAbs(inc.target) || target == ".." || strings.HasPrefix(target, "../") {
				errs = append(errs, descriptor.Errorf(app, it.key, "%s leaves the build context; an included file must be inside it (only the build context is sent to the builder)", at))
				continue
			}
			if !seen[target] {
				seen[target] = true
				in.manifests = append(in.manifests, target)
			}
			todo = append(todo, item{file: target, key: it.key, from: at})
		}
	}
	if e := descriptor.Join(errs...); e != nil {
		return e
	}
	return nil
}

// readError says why an included file could not be read.
func readError(name string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("%s is not in the build context (check the path, relative to the including file's directory, and that .dockerignore does not exclude it)", name)
	}
	return fmt.Sprintf("cannot read %s from the build context: %v", name, err)
}
