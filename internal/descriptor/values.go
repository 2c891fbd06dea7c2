package descriptor

import (
	"errors"
	"fmt"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/moby/buildkit/util/suggest"
	toml "github.com/pelletier/go-toml/v2"
)

// typeName names the TOML type of a decoded value for messages.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	case time.Time, toml.LocalDateTime:
		return "date-time"
	case toml.LocalDate:
		return "date"
	case toml.LocalTime:
		return "time"
	}
	return fmt.Sprintf("%T", v)
}

// suggestHint returns `did you mean "x"?` for the entry of valid closest
// to s, or "". Values are case-sensitive; a wrongly cased value is
// pointed at its lowercase form.
func suggestHint(s string, valid []string) string {
	if m, ok := suggest.Search(strings.ToLower(s), valid, true); ok {
		return fmt.Sprintf("did you mean %q?", m)
	}
	if lower := strings.ToLower(s); lower != s && contains(valid, lower) {
		return fmt.Sprintf("did you mean %q?", lower)
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// example renders `key = "value"` using the first valid value, or def.
func example(key string, valid []string, def string) string {
	if len(valid) > 0 && !contains(valid, def) {
		def = valid[0]
	}
	return fmt.Sprintf("%s = %q", key, def)
}

// cleanPath validates a path relative to the build context and returns it
// cleaned ("./cmd/server/" -> "cmd/server", "./" -> "."). It returns a
// message when the path is empty, absolute or escapes the context.
func cleanPath(s string) (string, string) {
	switch {
	case s == "":
		return "", "path must not be empty"
	case strings.ContainsRune(s, 0):
		return "", "path must not contain a NUL character"
	case strings.HasPrefix(s, "/"):
		return "", fmt.Sprintf("absolute path %q is not allowed; paths are relative to the build context", s)
	}
	p := path.Clean(s)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Sprintf("path %q escapes the build context", s)
	}
	return p, ""
}

// versionRe: the version ends up in image tags and paths, so it is held to
// the characters of a tag.
var versionRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

func checkVersion(s string) string {
	if versionRe.MatchString(s) {
		return ""
	}
	if s == "" {
		return "version must not be empty; leave the key out for the preset default"
	}
	return fmt.Sprintf("invalid version %q: use letters, digits, '.', '_' or '-' (at most 128), starting with a letter or digit", s)
}

// checkUser accepts "uid" or "uid:gid", both numeric.
func checkUser(s string) string {
	uid, gid, hasGID := strings.Cut(s, ":")
	if isID(uid) && (!hasGID || isID(gid)) {
		return ""
	}
	return fmt.Sprintf("invalid user %q: use a numeric uid or uid:gid such as \"65532\" or \"1000:1000\"; "+
		"names are not accepted because minimal images have no /etc/passwd to look them up", s)
}

func isID(s string) bool {
	if !isDigits(s) {
		return false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return err == nil && n < math.MaxUint32 // 4294967295 is (uid_t)-1, "no user"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkPackage rejects names no package manager accepts, in particular
// ones that would be read as an option ("-x").
func checkPackage(s string) string {
	switch {
	case s == "":
		return "package name must not be empty"
	case strings.HasPrefix(s, "-"):
		return fmt.Sprintf("invalid package name %q: must not start with '-'", s)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Sprintf("invalid package name %q: must not contain spaces; list each package separately", s)
	}
	return ""
}

var secretID = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

func checkEnvName(s string) string {
	switch {
	case s == "":
		return "environment variable name must not be empty"
	case strings.ContainsAny(s, "=\x00"):
		return fmt.Sprintf("invalid environment variable name %q: must not contain '=' or NUL", s)
	}
	return ""
}

var sizeUnits = map[string]int64{
	"":    1,
	"b":   1,
	"kb":  1000,
	"mb":  1000 * 1000,
	"gb":  1000 * 1000 * 1000,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
}

// parseSize parses "15MB", "15MiB", "900kB", "1.5 GB" or "123" (bytes).
// Decimal units are powers of 1000, binary ones (KiB, MiB, GiB) of 1024;
// unit case is not significant.
func parseSize(s string) (int64, string) {
	bad := fmt.Sprintf(`invalid size %q: use a number of bytes or a number with a unit B, kB, MB, GB, KiB, MiB or GiB, e.g. "15MB"`, s)
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	if !ok || num == "" {
		return 0, bad
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, bad
	}
	bytes := f * float64(mult)
	if bytes >= math.MaxInt64 {
		return 0, fmt.Sprintf("size %q is too large", s)
	}
	if bytes < 1 {
		return 0, fmt.Sprintf("size %q must be at least 1 byte", s)
	}
	return int64(bytes), ""
}

// ParseSize parses a size such as "15MB" or "900KiB" the way size_budget
// does, for command-line flags.
func ParseSize(s string) (int64, error) {
	n, msg := parseSize(s)
	if msg != "" {
		return 0, errors.New(msg)
	}
	return n, nil
}
