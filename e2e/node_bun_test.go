package e2e

import (
	"strings"
	"testing"
)

// TestNodeBunLockfile: an app with bun.lock and "packageManager":
// "bun@1.4.5" (Bun's binary from the npm registry's @oven/bun-linux-x64,
// not corepack), its own "prepare": "husky" (husky not installed) and a
// build script that calls bun by name. On scratch the image answers with
// its production dependency (ms), holds neither its dev dependency (kleur)
// nor bun, and the build ran with the declared Bun.
func TestNodeBunLockfile(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"slim.toml": syntaxLine + "language = \"node\"\nentrypoint = \"dist/server.js\"\ndeps = [\"package.json\", \"bun.lock\"]\npreset = \"scratch\"\n[build]\nscript = \"build\"\n",
		"package.json": `{
  "name": "bun-lockfile-app",
  "version": "1.0.0",
  "private": true,
  "packageManager": "bun@1.4.5",
  "scripts": {"prepare": "husky", "build": "node build.js && bun --version > dist/bun-version.txt"},
  "dependencies": {"ms": "2.1.3"},
  "devDependencies": {"kleur": "4.1.5"}
}
`,
		"bun.lock": nodeBunLock,
		"build.js": `const fs = require('fs');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/server.js', "const fs = require('fs'), ms = require('ms');\n" +
  "const has = (m) => { try { require.resolve(m); return true; } catch { return false; } };\n" +
  "require('http').createServer((q, s) => s.end('built with bun ' + fs.readFileSync(__dirname + '/bun-version.txt', 'utf8').trim() + ', ' + ms(90000) + ', kleur:' + has('kleur') + '\\n')).listen(Number(process.env.PORT));\n");
`,
	})
	// --no-cache: the install steps must run for their log lines to be in
	// this build's output
	tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--no-cache")
	for _, want := range []string{`package.json: not running the app's own "prepare": "husky"`, "Bun 1.4.5: @oven/bun-linux-x64 from the npm registry"} {
		if !strings.Contains(out, want) {
			t.Errorf("the build log lacks %q", want)
		}
	}
	images, err := readOCIImages(tarPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkNoNodePackageManager(t, images[0])
	for _, l := range images[0].Layers {
		for name := range l.Files {
			if p := npmPackageOf(name); p == "kleur" || strings.HasPrefix(p, "@oven/") || strings.HasSuffix(name, "/bin/bun") {
				t.Errorf("the image has %s (a dev dependency, or bun)", name)
			}
		}
	}
	c := runImage(t, tarPath)
	if body, want := c.get(t, "/"), "built with bun 1.4.5, 2m, kleur:false\n"; body != want {
		t.Errorf("GET / = %q, want %q", body, want)
	}
}

const nodeBunLock = `{
  "lockfileVersion": 2,
  "configVersion": 1,
  "workspaces": {
    "": {
      "name": "bun-lockfile-app",
      "dependencies": {
        "ms": "2.1.3",
      },
      "devDependencies": {
        "kleur": "4.1.5",
      },
    },
  },
  "packages": {
    "kleur": ["kleur@4.1.5", "", {}, "sha512-o+NO+8WrRiQEE4/7nwRJhN1HWpVmJm511pBHUxPLtp0BUISzlBplORYSmTclCnJvQq2tKu/sgl3xVpkc7ZWuQQ=="],

    "ms": ["ms@2.1.3", "", {}, "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA=="],
  }
}
`
