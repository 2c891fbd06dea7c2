package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// TestPythonStdlibCompiledOncePerBuild: python-native on scratch for
// linux/amd64,linux/arm64 compiles the standard library once (one stdlib
// vertex for both platforms) and each platform's rootfs takes that zip,
// compiling only its own _sysconfigdata (x86_64 and aarch64), because
// distroless python3-debian13 for arm64 has the same stdlib sources as the
// amd64 builder's python3.13. The stages are rebuilt (--no-cache-filter) so
// the log shows them run.
func TestPythonStdlibCompiledOncePerBuild(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "python-native")
	_, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET=scratch",
		"--platform", "linux/amd64,linux/arm64", "--no-cache-filter", "stdlib,rootfs")
	vertices := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^(#\d+) \[(?:linux/[a-z0-9]+ )?stdlib \d+/\d+\] RUN `).FindAllStringSubmatch(out, -1) {
		vertices[m[1]] = true
	}
	if len(vertices) != 1 {
		t.Errorf("the stdlib's compile ran as %d vertices, want 1 for both platforms:\n%s", len(vertices), tail(out, 60))
	}
	for _, cpu := range []string{"x86_64", "aarch64"} {
		if !strings.Contains(out, "made once for every platform (the sources are the same); compiled here: _sysconfigdata__linux_"+cpu+"-linux-gnu.py") {
			t.Errorf("the %s rootfs did not take the shared stdlib zip:\n%s", cpu, tail(out, 60))
		}
	}
}
