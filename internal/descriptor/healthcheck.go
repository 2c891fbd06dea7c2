package descriptor

import (
	"fmt"
	"strings"
	"time"
)

// Healthcheck is [run] healthcheck: how a container runtime checks that the
// app is healthy. It becomes the image config's Healthcheck (Docker's
// HEALTHCHECK instruction; Compose, Swarm and Nomad's docker driver run
// it; Kubernetes ignores it). Exactly one of Path and Argv is set.
//
// In slim.toml it is a path, an argv, or a table with the timing:
//
//	[run]
//	healthcheck = "/healthz"
//	healthcheck = ["/app/server", "-health"]
//
//	[run.healthcheck]
//	path         = "/healthz"       # or argv = [...]
//	interval     = "30s"            # Go durations, at least 1ms (Docker's minimum)
//	timeout      = "5s"
//	start_period = "10s"
//	retries      = 3
type Healthcheck struct {
	// Path is the HTTP path the image's probe GETs on
	// http://127.0.0.1:$PORT (it starts with "/"; a query is allowed);
	// the descriptor then needs port. "" when Argv is set.
	Path string
	// Argv is a program of the image and its arguments, run without a
	// shell (exec form); nil when Path is set.
	Argv []string
	// Interval, Timeout and StartPeriod are durations; 0 leaves the
	// runtime's default (Docker: 30s, 30s, 0s).
	Interval, Timeout, StartPeriod time.Duration
	// Retries is the number of consecutive failures that make the
	// container unhealthy; 0 leaves the runtime's default (Docker: 3).
	Retries int
}

// healthcheckKeys are the keys of a [run.healthcheck] table, sorted.
var healthcheckKeys = []string{"argv", "interval", "path", "retries", "start_period", "timeout"}

// maxHealthPath bounds the length of a health-check path, in bytes.
const maxHealthPath = 1024

// healthcheck checks [run] healthcheck in any of its three forms.
func (c *checker) healthcheck(v any) *Healthcheck {
	const key = "run.healthcheck"
	h := &Healthcheck{}
	switch v := v.(type) {
	case string:
		if !c.healthPath(key, v, h) {
			return nil
		}
	case []any:
		if !c.healthArgv(key, v, h) {
			return nil
		}
	case map[string]any:
		c.unknownKeys(key, v, healthcheckKeys)
		ok := true
		p, hasPath := v["path"]
		a, hasArgv := v["argv"]
		switch {
		case hasPath && hasArgv:
			c.addf(key, "keep path for an HTTP check by the image's probe, or argv for a program of the image", "give either path or argv, not both")
			ok = false
		case hasPath:
			if s, isStr := c.str(key+".path", p, `e.g. path = "/healthz"`); !isStr || !c.healthPath(key+".path", s, h) {
				ok = false
			}
		case hasArgv:
			if arr, isArr := a.([]any); !isArr {
				c.addf(key+".argv", `e.g. argv = ["/app/server", "-health"]`, "expected an array of strings, got %s", typeName(a))
				ok = false
			} else if !c.healthArgv(key+".argv", arr, h) {
				ok = false
			}
		default:
			c.addf(key, `add path = "/healthz" (an HTTP GET by the image's probe) or argv = ["/app/server", "-health"]`, "the table needs path or argv")
			ok = false
		}
		for _, d := range []struct {
			name string
			dst  *time.Duration
		}{{"interval", &h.Interval}, {"timeout", &h.Timeout}, {"start_period", &h.StartPeriod}} {
			if dv, has := v[d.name]; has {
				var good bool
				*d.dst, good = c.healthDuration(key+"."+d.name, dv)
				ok = ok && good
			}
		}
		if rv, has := v["retries"]; has {
			n, isInt := rv.(int64)
			switch {
			case !isInt:
				c.addf(key+".retries", "e.g. retries = 3", "expected an integer of at least 1, got %s", typeName(rv))
				ok = false
			case n < 1 || n > 1000:
				c.addf(key+".retries", "leave the key out for the runtime's default (Docker: 3)", "must be between 1 and 1000, got %d", n)
				ok = false
			default:
				h.Retries = int(n)
			}
		}
		if !ok {
			return nil
		}
	default:
		c.addf(key, `e.g. healthcheck = "/healthz", or an argv array, or a [run.healthcheck] table`, "expected a path string, an array of strings or a table, got %s", typeName(v))
		return nil
	}
	return h
}

// healthPath checks an HTTP path for the probe and stores it in h.
func (c *checker) healthPath(key, s string, h *Healthcheck) bool {
	switch {
	case !strings.HasPrefix(s, "/"):
		hint := ""
		if s != "" && !strings.Contains(s, "://") {
			hint = fmt.Sprintf("did you mean %q?", "/"+s)
		} else if strings.Contains(s, "://") {
			hint = `give only the path: the probe always GETs http://127.0.0.1:$PORT<path>`
		}
		c.addf(key, hint, "the health-check path must start with '/', got %q", s)
		return false
	case len(s) > maxHealthPath:
		c.addf(key, "", "the health-check path is %d bytes; the limit is %d", len(s), maxHealthPath)
		return false
	case strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		c.addf(key, "percent-encode them (%20)", "the health-check path must not contain spaces or control characters, got %q", s)
		return false
	}
	h.Path = s
	return true
}

// healthArgv checks an exec-form health-check command and stores it in h.
func (c *checker) healthArgv(key string, v []any, h *Healthcheck) bool {
	if len(v) == 0 {
		c.addf(key, `e.g. ["/app/server", "-health"], or a path such as "/healthz"`, "argv array must not be empty")
		return false
	}
	argv, keys, _ := c.list(key, v, "strings")
	ok := len(argv) == len(v)
	for i, s := range argv {
		if s == "" || strings.ContainsRune(s, 0) {
			c.addf(keys[i], "", "argv element must not be empty or contain a NUL character")
			ok = false
		}
	}
	if ok && (argv[0] == "CMD" || argv[0] == "CMD-SHELL" || argv[0] == "NONE") {
		c.addf(keys[0], fmt.Sprintf("drop %q: the argv is the command itself (slimfront adds Docker's CMD)", argv[0]), "argv starts with Docker's %s keyword", argv[0])
		ok = false
	}
	if ok {
		h.Argv = argv
	}
	return ok
}

// healthDuration checks a duration string such as "30s" (Go's
// time.ParseDuration syntax, which Docker's HEALTHCHECK flags use too).
// Docker refuses durations under 1ms.
func (c *checker) healthDuration(key string, v any) (time.Duration, bool) {
	name := key[strings.LastIndex(key, ".")+1:]
	s, isStr := v.(string)
	if !isStr {
		hint := fmt.Sprintf(`write it as a string with a unit: %s = "30s"`, name)
		if n, isInt := v.(int64); isInt {
			hint = fmt.Sprintf(`write it as a string with a unit: %s = "%ds"`, name, n)
		}
		c.addf(key, hint, "expected a duration such as \"30s\", got %s", typeName(v))
		return 0, false
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		c.addf(key, `use a number with a unit ms, s, m or h, e.g. "30s" or "1m30s"`, "invalid duration %q", s)
		return 0, false
	case d < time.Millisecond:
		c.addf(key, "leave the key out for the runtime's default", "must be at least 1ms (Docker's minimum), got %q", s)
		return 0, false
	case d > 24*time.Hour:
		c.addf(key, "", "must be at most 24h, got %q", s)
		return 0, false
	}
	return d, true
}

// healthcheckNeedsPort reports a path health check without a port: the
// probe connects to $PORT, which only the port key sets.
func (c *checker) healthcheckNeedsPort(a *App) {
	h := a.Run.Healthcheck
	if h == nil || h.Path == "" || a.Port != 0 {
		return
	}
	key := "run.healthcheck"
	if _, ok := c.ranges[key+".path"]; ok {
		key += ".path"
	}
	c.addf(key, `add port = 8080 (the port the app listens on), or use an argv that checks the app itself`,
		"an HTTP health check needs port: the probe GETs http://127.0.0.1:$PORT%s", h.Path)
}
