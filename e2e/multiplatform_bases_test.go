package e2e

import "testing"

// TestNodeTwoPlatformsOnBothBases completes issue 16's matrix beside
// TestNodeTwoPlatformsWithoutEmulation (node-hello on distroless,
// node-prebuilds on scratch): node-express (JavaScript only) on distroless
// and scratch and node-prebuilds (bcrypt's prebuildify addon, sharp's
// @img/* packages) on distroless, each for linux/amd64,linux/arm64 without
// emulation: every ELF file of the arm64 image is aarch64 (the node binary
// and the addons among them) and the amd64 image answers.
func TestNodeTwoPlatformsOnBothBases(t *testing.T) {
	requireEnv(t)
	for _, tc := range []struct {
		example, preset string
		elf             []string
	}{
		{"node-express", "distroless", []string{"nodejs/bin/node"}},
		{"node-express", "scratch", []string{"nodejs/bin/node"}},
		{"node-prebuilds", "distroless", []string{"nodejs/bin/node",
			"app/node_modules/bcrypt/prebuilds/linux-$ARCH/bcrypt.glibc.node",
			"app/node_modules/@img/sharp-linux-$ARCH/lib/sharp-linux-$ARCH.node"}},
	} {
		t.Run(tc.example+"/"+tc.preset, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, tc.example)
			tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+tc.preset, "--platform", "linux/amd64,linux/arm64")
			checkTwoPlatforms(t, tarPath, tc.elf...)
			runImage(t, tarPath).checkServes(t, loadExpect(t, dir))
		})
	}
}
