package descriptor

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Valid keys per table, sorted: they are listed in "unknown key" messages.
var (
	topKeys   = []string{"build", "deps", "entrypoint", "env", "language", "port", "preset", "run", "size_budget", "user", "version", "workdir"}
	buildKeys = []string{"env", "ldflags", "packages", "script", "secrets", "ssh", "tags"}
	runKeys   = []string{"healthcheck", "include", "keep", "packages", "sourceless", "trim", "writable"}
)

// checker validates a decoded document and collects problems.
type checker struct {
	opts     Options
	ranges   map[string]Range
	problems []Problem
}

// addf records a problem about key, located at the key's range or that of
// the nearest enclosing key; line 1 col 1 when neither is in the file.
func (c *checker) addf(key, hint, format string, args ...any) {
	r := Range{Start: Pos{1, 1}, End: Pos{1, 1}}
	for k := key; k != ""; k = parentKey(k) {
		if kr, ok := c.ranges[k]; ok {
			r = kr
			break
		}
	}
	c.problems = append(c.problems, Problem{Key: key, Range: r, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// suggested reports whether an unknown-key problem already suggests key: a
// misspelled required key is one problem ("did you mean"), not two.
func (c *checker) suggested(key string) bool {
	for _, p := range c.problems {
		if strings.Contains(p.Hint, `"`+key+`"`) {
			return true
		}
	}
	return false
}

func (c *checker) app(doc map[string]any, a *App) {
	c.unknownKeys("", doc, topKeys)

	if v, ok := doc["language"]; ok {
		if s, ok := c.str("language", v, ""); ok {
			a.Language, _ = c.oneOf("language", "language", s, c.opts.Languages)
		}
	} else if !c.suggested("language") {
		c.addf("language", "", "required key is missing; add e.g. %s", example("language", c.opts.Languages, "go"))
	}
	if v, ok := doc["version"]; ok {
		hint := ""
		if _, isNum := v.(float64); isNum {
			hint = `quote it so it stays exact, e.g. version = "1.20"; a bare 1.20 is the number 1.2`
		} else if _, isInt := v.(int64); isInt {
			hint = `quote it: version = "3"`
		}
		if s, ok := c.str("version", v, hint); ok {
			if msg := checkVersion(s); msg != "" {
				c.addf("version", "", "%s", msg)
			} else {
				a.Version = s
			}
		}
	}
	if v, ok := doc["entrypoint"]; ok {
		c.entrypoint(v, a)
	} else if !c.suggested("entrypoint") {
		c.addf("entrypoint", "", `required key is missing; add a path such as entrypoint = "./cmd/server" or an argv array such as entrypoint = ["gunicorn", "app:app"]`)
	}
	if v, ok := doc["deps"]; ok {
		a.Deps = c.paths("deps", v)
	}
	if v, ok := doc["preset"]; ok {
		if s, ok := c.str("preset", v, ""); ok {
			a.Preset, _ = c.oneOf("preset", "preset", s, c.opts.Presets)
		}
	}
	if v, ok := doc["port"]; ok {
		a.Port = c.port(v)
	}
	if v, ok := doc["user"]; ok {
		hint := ""
		if n, isInt := v.(int64); isInt {
			hint = fmt.Sprintf(`quote it: user = "%d"`, n)
		}
		if s, ok := c.str("user", v, hint); ok {
			if msg := checkUser(s); msg != "" {
				c.addf("user", "", "%s", msg)
			} else {
				a.User = s
			}
		}
	}
	if v, ok := doc["workdir"]; ok {
		if s, ok := c.str("workdir", v, ""); ok {
			if !strings.HasPrefix(s, "/") || strings.ContainsRune(s, 0) {
				c.addf("workdir", `e.g. workdir = "/app"`, "must be an absolute path, got %q", s)
			} else {
				a.Workdir = path.Clean(s)
			}
		}
	}
	if v, ok := doc["size_budget"]; ok {
		a.SizeBudget = c.size(v)
	}
	if v, ok := doc["env"]; ok {
		a.Env = c.env("env", v)
	}
	if v, ok := doc["build"]; ok {
		if t, ok := c.table("build", v); ok {
			c.build(t, &a.Build)
		}
	}
	if v, ok := doc["run"]; ok {
		if t, ok := c.table("run", v); ok {
			c.run(t, &a.Run)
		}
	}
	c.healthcheckNeedsPort(a)
}

func (c *checker) build(t map[string]any, b *Build) {
	c.unknownKeys("build", t, buildKeys)
	if v, ok := t["packages"]; ok {
		b.Packages = c.packages("build.packages", v)
	}
	if v, ok := t["env"]; ok {
		b.Env = c.env("build.env", v)
	}
	if v, ok := t["script"]; ok {
		if s, ok := c.str("build.script", v, ""); ok {
			if strings.TrimSpace(s) == "" {
				c.addf("build.script", "leave the key out for no build script", "must not be empty")
			} else {
				b.Script = s
			}
		}
	}
	if v, ok := t["secrets"]; ok {
		b.Secrets = c.secrets(v)
	}
	if v, ok := t["ssh"]; ok {
		if s, isBool := v.(bool); isBool {
			b.SSH = s
		} else {
			c.addf("build.ssh", "", "expected true or false, got %s", typeName(v))
		}
	}
	if v, ok := t["ldflags"]; ok {
		if s, ok := c.str("build.ldflags", v, `e.g. ldflags = "-X main.version=${VERSION:-dev}"`); ok {
			b.Ldflags = c.ldflags(s)
		}
	}
	if v, ok := t["tags"]; ok {
		b.Tags = c.tags(v)
	}
}

func (c *checker) run(t map[string]any, r *Run) {
	c.unknownKeys("run", t, runKeys)
	if v, ok := t["include"]; ok {
		r.Include = c.paths("run.include", v)
	}
	if v, ok := t["packages"]; ok {
		r.Packages = c.packages("run.packages", v)
	}
	if v, ok := t["healthcheck"]; ok {
		r.Healthcheck = c.healthcheck(v)
	}
	if v, ok := t["writable"]; ok {
		r.Writable = c.writable(v)
	}
	if v, ok := t["keep"]; ok {
		r.Keep = c.paths("run.keep", v)
	}
	if v, ok := t["trim"]; ok {
		if b, isBool := v.(bool); isBool {
			r.NoTrim = !b
		} else {
			c.addf("run.trim", "trim = false keeps the dependencies' tests, docs and build-only files", "expected true or false, got %s", typeName(v))
		}
	}
	if v, ok := t["sourceless"]; ok {
		if b, isBool := v.(bool); isBool {
			r.Sourceless = b
		} else {
			c.addf("run.sourceless", "sourceless = true ships the venv's packages as bytecode only (Python)", "expected true or false, got %s", typeName(v))
		}
	}
}

// unknownKeys reports keys of t that are not in valid, suggesting the
// closest valid one.
func (c *checker) unknownKeys(prefix string, t map[string]any, valid []string) {
	where := ""
	if prefix != "" {
		where = " in [" + prefix + "]"
	}
	for _, k := range sortedKeys(t) {
		if contains(valid, k) {
			continue
		}
		c.addf(join(prefix, k), suggestHint(k, valid), "unknown key %q%s; valid keys: %s", k, where, strings.Join(valid, ", "))
	}
}

// oneOf checks that s is one of valid (case-sensitive). what names the
// kind of value in messages ("language", "preset").
func (c *checker) oneOf(key, what, s string, valid []string) (string, bool) {
	if msg, hint := checkOneOf(what, s, valid); msg != "" {
		c.addf(key, hint, "%s", msg)
		return "", false
	}
	return s, true
}

func checkOneOf(what, s string, valid []string) (msg, hint string) {
	if s != "" && (len(valid) == 0 || contains(valid, s)) {
		return "", ""
	}
	sorted := append([]string(nil), valid...)
	sort.Strings(sorted)
	if s == "" {
		if len(sorted) == 0 {
			return fmt.Sprintf("%s must not be empty", what), ""
		}
		return fmt.Sprintf("%s must not be empty; valid: %s", what, strings.Join(sorted, ", ")), ""
	}
	return fmt.Sprintf("unknown %s %q; valid: %s", what, s, strings.Join(sorted, ", ")), suggestHint(s, sorted)
}

// overrides applies Options.Overrides to a. The value given in the file,
// if any, has been validated already: the file must be valid on its own.
func (c *checker) overrides(a *App) {
	for _, key := range sortedKeys(c.opts.Overrides) {
		val := c.opts.Overrides[key]
		if val == "" {
			continue
		}
		arg := "build arg SLIM_" + strings.ToUpper(key)
		var msg, hint string
		switch key {
		case "preset":
			if msg, hint = checkOneOf("preset", val, c.opts.Presets); msg == "" {
				a.Preset = val
			}
		case "version":
			if msg = checkVersion(val); msg == "" {
				a.Version = val
			}
		case "entrypoint":
			var p string
			if p, msg = cleanPath(val); msg == "" {
				a.Entrypoint = Entrypoint{Path: p}
			}
		default:
			msg = fmt.Sprintf("not supported; only %s and %s can be overridden", strings.Join(overridable[:len(overridable)-1], ", "), overridable[len(overridable)-1])
		}
		if msg != "" {
			c.problems = append(c.problems, Problem{Key: key, Msg: arg + ": " + msg, Hint: hint})
			continue
		}
		delete(a.ranges, key)
		if a.overridden == nil {
			a.overridden = map[string]string{}
		}
		a.overridden[key] = arg + "=" + val
	}
}
