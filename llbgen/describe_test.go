package llbgen

import "testing"

// Step names show the line of an inline script that says what it does:
// shell preamble (set -eu, blank lines, comments) is skipped, on its own
// line or before a ';'.
func TestShortenSkipsShellPreamble(t *testing.T) {
	long := "set -eu; rm -f /etc/apt/apt.conf.d/docker-clean; echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep"
	for in, want := range map[string]string{
		"set -eu\nfail=0\nfor f in \"$@\"; do\ndone":     `"fail=0" (+3 lines)`,
		"set -eu\n\n# check the packages\npkg=$1; shift": `"pkg=$1; shift" (+3 lines)`,
		long:                       `"rm -f /etc/apt/apt.conf.d/docker-clean; echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";'..."`,
		"go build ./cmd/server":    "go build ./cmd/server",
		"set -eu\nset -o pipefail": `"set -o pipefail" (+1 lines)`,
	} {
		if got := shorten(in); got != want {
			t.Errorf("shorten(%q) = %s, want %s", in, got, want)
		}
	}
}
