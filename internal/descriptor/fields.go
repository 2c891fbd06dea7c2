package descriptor

import (
	"fmt"
	"regexp"
	"strings"
)

// Checkers for single values. Each reports its own problems and returns
// the normalised value (zero when invalid).

func (c *checker) str(key string, v any, hint string) (string, bool) {
	s, ok := v.(string)
	if !ok {
		c.addf(key, hint, "expected a string, got %s", typeName(v))
	}
	return s, ok
}

func (c *checker) table(key string, v any) (map[string]any, bool) {
	t, ok := v.(map[string]any)
	if !ok {
		c.addf(key, fmt.Sprintf("write it as a section: [%s]", key), "expected a table, got %s", typeName(v))
	}
	return t, ok
}

// list checks that v is an array of strings. It reports every element
// that is not a string and returns the strings with their key paths.
func (c *checker) list(key string, v any, what string) ([]string, []string, bool) {
	arr, ok := v.([]any)
	if !ok {
		hint := ""
		if s, isStr := v.(string); isStr {
			hint = fmt.Sprintf("use an array: %s = [%q]", key[strings.LastIndex(key, ".")+1:], s)
		}
		c.addf(key, hint, "expected an array of %s, got %s", what, typeName(v))
		return nil, nil, false
	}
	var vals, keys []string
	for i, e := range arr {
		k := fmt.Sprintf("%s[%d]", key, i)
		s, isStr := e.(string)
		if !isStr {
			c.addf(k, "", "expected a string, got %s", typeName(e))
			continue
		}
		vals = append(vals, s)
		keys = append(keys, k)
	}
	return vals, keys, true
}

func (c *checker) entrypoint(v any, a *App) {
	switch v := v.(type) {
	case string:
		if p, ok := c.path("entrypoint", v); ok {
			a.Entrypoint.Path = p
		}
	case []any:
		if len(v) == 0 {
			c.addf("entrypoint", `e.g. entrypoint = ["gunicorn", "app:app"]`, "argv array must not be empty")
			return
		}
		argv, keys, _ := c.list("entrypoint", v, "strings")
		bad := len(argv) != len(v)
		for i, s := range argv {
			if s == "" {
				c.addf(keys[i], "", "argv element must not be empty")
				bad = true
			}
		}
		if !bad {
			a.Entrypoint.Argv = argv
		}
	default:
		c.addf("entrypoint", "", "expected a string path or an array of strings, got %s", typeName(v))
	}
}

// paths checks an array of build-context paths and returns them cleaned.
func (c *checker) paths(key string, v any) []string {
	vals, keys, _ := c.list(key, v, "paths")
	var out []string
	for i, s := range vals {
		if p, ok := c.path(keys[i], s); ok {
			out = append(out, p)
		}
	}
	return out
}

func (c *checker) path(key, s string) (string, bool) {
	p, msg := cleanPath(s)
	if msg != "" {
		c.addf(key, "", "%s", msg)
		return "", false
	}
	return p, true
}

func (c *checker) packages(key string, v any) []string {
	vals, keys, _ := c.list(key, v, "package names")
	var out []string
	for i, s := range vals {
		if msg := checkPackage(s); msg != "" {
			c.addf(keys[i], "", "%s", msg)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (c *checker) secrets(v any) []string {
	vals, keys, _ := c.list("build.secrets", v, "secret ids")
	var out []string
	seen := map[string]bool{}
	for i, s := range vals {
		switch {
		case !secretID.MatchString(s):
			c.addf(keys[i], "", "invalid secret id %q: use letters, digits, '_', '.' or '-' (it must match --secret id=...)", s)
		case seen[s]:
			c.addf(keys[i], "", "secret id %q is listed twice", s)
		default:
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (c *checker) env(key string, v any) []KV {
	t, ok := v.(map[string]any)
	if !ok {
		c.addf(key, fmt.Sprintf("write it as a section: [%s] with NAME = \"value\" lines", key), "expected a table of NAME = \"value\", got %s", typeName(v))
		return nil
	}
	var out []KV
	for _, name := range sortedKeys(t) {
		k := join(key, name)
		if msg := checkEnvName(name); msg != "" {
			c.addf(k, "", "%s", msg)
			continue
		}
		val, isStr := t[name].(string)
		if !isStr {
			hint := ""
			switch t[name].(type) {
			case int64, float64, bool:
				hint = fmt.Sprintf("quote it: %s = \"%v\"", name, t[name])
			}
			c.addf(k, hint, "environment values must be strings, got %s", typeName(t[name]))
			continue
		}
		if strings.ContainsRune(val, 0) {
			c.addf(k, "", "environment value must not contain a NUL character")
			continue
		}
		out = append(out, KV{Key: name, Value: val})
	}
	return out
}

func (c *checker) port(v any) int {
	n, ok := v.(int64)
	if !ok {
		hint := ""
		if s, isStr := v.(string); isStr && isDigits(s) {
			hint = fmt.Sprintf("drop the quotes: port = %s", s)
		}
		c.addf("port", hint, "expected an integer between 1 and 65535, got %s", typeName(v))
		return 0
	}
	if n < 1 || n > 65535 {
		c.addf("port", "", "must be between 1 and 65535, got %d", n)
		return 0
	}
	return int(n)
}

func (c *checker) size(v any) int64 {
	var n int64
	var msg string
	switch v := v.(type) {
	case int64:
		n = v
		if n <= 0 {
			msg = fmt.Sprintf("must be a positive number of bytes, got %d", n)
		}
	case string:
		n, msg = parseSize(v)
	default:
		c.addf("size_budget", "", `expected a size such as "15MB" or a number of bytes, got %s`, typeName(v))
		return 0
	}
	if msg != "" {
		c.addf("size_budget", "", "%s", msg)
		return 0
	}
	return n
}

// buildArgRef matches a build-arg reference in [build] ldflags: ${NAME} or
// ${NAME:-default} (the Dockerfile ARG syntax; the default may be empty).
var buildArgRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}|\$\{[^}]*\}?`)

// ldflags checks [build] ldflags and returns it with every ${NAME} and
// ${NAME:-default} replaced by the build arg NAME (Options.BuildArgs; an
// empty value counts as unset, as with Dockerfile ARGs). A reference to a
// build arg the build does not set and without a default, or a malformed
// reference, is a problem at build.ldflags.
func (c *checker) ldflags(s string) string {
	if strings.ContainsRune(s, 0) || strings.ContainsAny(s, "\n\r") {
		c.addf("build.ldflags", "", "must be one line without NUL characters")
		return ""
	}
	bad := false
	out := buildArgRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := buildArgRef.FindStringSubmatch(ref)
		if m[1] == "" {
			c.addf("build.ldflags", `write ${NAME} or ${NAME:-default}, NAME a build arg such as VERSION`, "malformed build-arg reference %q", ref)
			bad = true
			return ref
		}
		if v := c.opts.BuildArgs[m[1]]; v != "" {
			return v
		}
		if m[2] != "" {
			return m[3]
		}
		c.addf("build.ldflags", fmt.Sprintf("pass --build-arg %s=..., or give a default: ${%s:-dev}", m[1], m[1]), "build arg %s is not set in this build", m[1])
		bad = true
		return ref
	})
	if bad {
		return ""
	}
	return strings.TrimSpace(out)
}

// buildTag is a Go build tag (go help buildconstraint: letters, digits,
// '_' and '.').
var buildTag = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)

// tags checks [build] tags: an array of build tags, none repeated.
func (c *checker) tags(v any) []string {
	vals, keys, _ := c.list("build.tags", v, "build tags")
	var out []string
	seen := map[string]bool{}
	for i, s := range vals {
		switch {
		case !buildTag.MatchString(s):
			c.addf(keys[i], "", "invalid build tag %q: use letters, digits, '_' or '.' (as in //go:build lines)", s)
		case seen[s]:
			c.addf(keys[i], "", "build tag %q is listed twice", s)
		default:
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// writable checks [run] writable: paths inside the app directory (no
// absolute paths, no ".."), not the app directory itself, none twice.
func (c *checker) writable(v any) []string {
	vals, keys, _ := c.list("run.writable", v, "directories")
	var out []string
	seen := map[string]bool{}
	for i, s := range vals {
		p, ok := c.path(keys[i], s)
		switch {
		case !ok:
		case p == ".":
			c.addf(keys[i], `name a subdirectory, e.g. writable = ["data"]`, "the app directory itself cannot be writable: the sources stay owned by root")
		case seen[p]:
			c.addf(keys[i], "", "directory %q is listed twice", p)
		default:
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
