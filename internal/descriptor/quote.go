package descriptor

import (
	"fmt"
	"strings"
)

// Quote returns s as a TOML basic string ("..." with \" \\ and \uXXXX
// escapes for control characters, per the TOML 1.0 spec), for tools that
// write descriptors (slim init) or build them in tests.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
