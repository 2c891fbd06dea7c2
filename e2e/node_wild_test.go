package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// nodeWildExamples are the Node apps shaped like real projects: a prepare
// script needing a dev dependency (husky), a pnpm and a Yarn 4 workspace
// with the entrypoint in a member, Next.js standalone, Nuxt. Each runs through
// nodeExampleOnPreset (expect.json: answer, extra checks such as "/others"
// -> "kleur:false lodash:false", present/absent paths, size, no package
// manager, uid, SIGTERM); TestNodeExamplesOnDistrolessAndScratch builds
// them too, this test names them so they can be run alone.
var nodeWildExamples = []string{"node-husky", "node-pnpm-workspace", "node-yarn-workspace", "node-next-standalone", "node-nuxt"}

func TestNodeWildExamples(t *testing.T) {
	requireEnv(t)
	for _, ex := range nodeWildExamples {
		for _, preset := range nodePresets {
			t.Run(ex+"/"+preset, func(t *testing.T) {
				t.Parallel()
				nodeExampleOnPreset(t, ex, preset)
			})
		}
	}
}

// nodeStatus GETs path from the running container and returns the status.
func nodeStatus(t *testing.T, c *container, path string) int {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", c.Port, path))
	if err != nil {
		t.Errorf("GET %s: %v", path, err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestNodeWildBadInputFailsClearly: a declared package manager that does
// not match the lockfile, a malformed packageManager, and Yarn 4 with
// Plug'n'Play (Yarn's default linker) fail the install with the file, the
// line, the key and what is valid in the lines buildx shows; a build
// script that writes no entrypoint fails at the entrypoint line.
func TestNodeWildBadInputFailsClearly(t *testing.T) {
	requireEnv(t)
	const appJS = "require('http').createServer((q, s) => s.end('x')).listen(3000);\n"
	toml := func(lock string) string {
		return syntaxLine + "language = \"node\"\nentrypoint = \"app.js\"\ndeps = [\"package.json\", \"" + lock + "\"]\n"
	}
	cases := []struct {
		name  string
		files map[string]string
		want  []anyOf
	}{{
		name: "packageManager pnpm with an npm lockfile",
		files: map[string]string{
			"slim.toml":         toml("package-lock.json"),
			"package.json":      "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"packageManager\": \"pnpm@10.34.9\"\n}\n",
			"package-lock.json": nodeEmptyLock, "app.js": appJS,
		},
		want: []anyOf{{"package.json:4: packageManager"}, {"pnpm@10.34.9"}, {"package-lock.json"}, {"pnpm-lock.yaml"}},
	}, {
		name: "malformed packageManager",
		files: map[string]string{
			"slim.toml":         toml("package-lock.json"),
			"package.json":      "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"packageManager\": \"yarn\"\n}\n",
			"package-lock.json": nodeEmptyLock, "app.js": appJS,
		},
		want: []anyOf{{"package.json:4: packageManager"}, {"name@x.y.z"}, {"npm, yarn, pnpm or bun"}},
	}, {
		name: "yarn 4 with plug'n'play",
		files: map[string]string{
			"slim.toml":    toml("yarn.lock"),
			"package.json": `{"name": "app", "version": "1.0.0", "packageManager": "yarn@4.18.1"}` + "\n",
			".yarnrc.yml":  "enableTelemetry: false\nnodeLinker: pnp\n",
			"yarn.lock":    "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n  languageName: unknown\n  linkType: soft\n",
			"app.js":       appJS,
		},
		want: []anyOf{{".yarnrc.yml:2: nodeLinker: pnp"}, {"Plug'n'Play is not supported"}, {"nodeLinker: node-modules"}},
	}, {
		// a framework build that writes no server (Nuxt with another
		// Nitro preset): the build stops at entrypoint, not an image that
		// cannot start
		name: "build script writes no entrypoint",
		files: map[string]string{
			"slim.toml":         syntaxLine + "language = \"node\"\nentrypoint = \".output/server/index.mjs\"\ndeps = [\"package.json\", \"package-lock.json\"]\n[build]\nscript = \"build\"\n",
			"package.json":      `{"name": "app", "version": "1.0.0", "scripts": {"build": "node -e \"require('fs').mkdirSync('.output/public', {recursive: true})\""}}` + "\n",
			"package-lock.json": nodeEmptyLock,
		},
		want: []anyOf{{"slim.toml:3"}, {"entrypoint: .output/server/index.mjs does not exist after the build script \"build\" ran"}, {"Nitro's node-server preset"}},
	}}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=cacheonly")
			if err == nil {
				t.Fatalf("build succeeded, want an error\n----- buildx output -----\n%s", out)
			}
			missing := lacking(errorReport(out), tc.want)
			if len(missing) > 0 {
				t.Errorf("the error report lacks %q\n----- buildx output -----\n%s", missing, out)
			} else {
				t.Logf("error report:\n%s", strings.TrimSpace(errorReport(out)))
			}
		})
	}
}

// TestNodeNpmWorkspaceMember builds the member apps/site of an npm
// workspace (its own "prepare": "husky", husky not installed) on scratch:
// the link node_modules/@ws/banner -> ../../libs/banner resolves in the
// image, the library's own dependency (ms) is there, the member's dev
// dependency (kleur) is not, nor is bytes, a dependency of the other
// member apps/tool only (npm ci --omit=dev --workspace apps/site), and
// every link under /app resolves.
func TestNodeNpmWorkspaceMember(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"slim.toml":                syntaxLine + "language = \"node\"\nentrypoint = \"apps/site/site.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\npreset = \"scratch\"\n",
		"package.json":             `{"name": "npm-ws", "private": true, "workspaces": ["apps/*", "libs/*"]}` + "\n",
		"package-lock.json":        nodeNpmWorkspaceLock,
		"libs/banner/package.json": `{"name": "@ws/banner", "version": "1.0.0", "main": "banner.js", "dependencies": {"ms": "2.1.3"}}` + "\n",
		"libs/banner/banner.js":    "const ms = require('ms');\nexports.banner = () => 'npm workspace banner, refreshed every ' + ms(300000);\n",
		"apps/site/package.json":   `{"name": "@ws/site", "version": "1.0.0", "main": "site.js", "scripts": {"prepare": "husky"}, "dependencies": {"@ws/banner": "1.0.0"}, "devDependencies": {"kleur": "4.1.5"}}` + "\n",
		"apps/site/site.js": `const { banner } = require('@ws/banner');
const has = (m) => { try { require.resolve(m); return true; } catch { return false; } };
require('http').createServer((q, s) => s.end(q.url === '/others' ? 'kleur:' + has('kleur') + ' bytes:' + has('bytes') + '\n' : banner() + '\n')).listen(Number(process.env.PORT));
`,
		"apps/tool/package.json": `{"name": "@ws/tool", "version": "1.0.0", "main": "tool.js", "dependencies": {"bytes": "3.1.2"}}` + "\n",
	})
	// --no-cache: the install step must run (not come from another run's
	// cache) for its log line to be in this build's output.
	tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--no-cache")
	if !strings.Contains(out, `apps/site/package.json: not running the app's own "prepare": "husky"`) {
		t.Errorf("the build log does not say the member's prepare script was skipped")
	}
	images, err := readOCIImages(tarPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkNoNodePackageManager(t, images[0])
	checkNoDanglingLinks(t, images[0])
	if !images[0].Has("app/node_modules/ms/package.json") {
		t.Errorf("the image lacks ms, the dependency of the workspace library the member uses")
	}
	for _, l := range images[0].Layers {
		for name := range l.Files {
			if p := npmPackageOf(name); p == "bytes" || p == "kleur" {
				t.Errorf("the image has %s, of %s (a dependency of the other member apps/tool, or the member's dev dependency)", name, p)
			}
		}
	}
	c := runImage(t, tarPath)
	if body := c.get(t, "/"); body != "npm workspace banner, refreshed every 5m\n" {
		t.Errorf("GET / = %q", body)
	}
	if body := c.get(t, "/others"); body != "kleur:false bytes:false\n" {
		t.Errorf("GET /others = %q, want kleur:false (a dev dependency) bytes:false (the other member's)", body)
	}
}

const nodeNpmWorkspaceLock = `{
  "name": "npm-ws",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "npm-ws",
      "workspaces": [
        "apps/*",
        "libs/*"
      ]
    },
    "apps/site": {
      "name": "@ws/site",
      "version": "1.0.0",
      "dependencies": {
        "@ws/banner": "1.0.0"
      },
      "devDependencies": {
        "kleur": "4.1.5"
      }
    },
    "apps/tool": {
      "name": "@ws/tool",
      "version": "1.0.0",
      "dependencies": {
        "bytes": "3.1.2"
      }
    },
    "libs/banner": {
      "name": "@ws/banner",
      "version": "1.0.0",
      "dependencies": {
        "ms": "2.1.3"
      }
    },
    "node_modules/@ws/banner": {
      "resolved": "libs/banner",
      "link": true
    },
    "node_modules/@ws/site": {
      "resolved": "apps/site",
      "link": true
    },
    "node_modules/@ws/tool": {
      "resolved": "apps/tool",
      "link": true
    },
    "node_modules/bytes": {
      "version": "3.1.2",
      "integrity": "sha512-/Nf7TyzTx6S3yRJObOAV7956r8cr2+Oj8AC5dt8wSP3BQAoeX58NoHyCU8P8zGkNXStjTSi6fzO6F0pBdcYbEg==",
      "license": "MIT",
      "engines": {
        "node": ">= 0.8"
      }
    },
    "node_modules/kleur": {
      "version": "4.1.5",
      "integrity": "sha512-o+NO+8WrRiQEE4/7nwRJhN1HWpVmJm511pBHUxPLtp0BUISzlBplORYSmTclCnJvQq2tKu/sgl3xVpkc7ZWuQQ==",
      "dev": true,
      "license": "MIT",
      "engines": {
        "node": ">=6"
      }
    },
    "node_modules/ms": {
      "version": "2.1.3",
      "integrity": "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==",
      "license": "MIT"
    }
  }
}
`

// TestNodePnpmBuildScriptUsesTheDeclaredVersion: a pnpm project whose
// package.json declares packageManager pnpm@10.34.9 without a hash and
// whose build script calls pnpm by name. The build script runs with that
// version (corepack's shim on PATH, the version pinned like the install),
// and the image's package.json is the project's own, not the builder's
// pinned copy.
func TestNodePnpmBuildScriptUsesTheDeclaredVersion(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := t.TempDir()
	const manifest = `{"name": "app", "version": "1.0.0", "private": true, "packageManager": "pnpm@10.34.9",
  "scripts": {"build": "node build.js && pnpm --version > dist/pnpm-version.txt"},
  "dependencies": {"ms": "^2.1.3"}}
`
	writeFiles(t, dir, map[string]string{
		"slim.toml":      syntaxLine + "language = \"node\"\nentrypoint = \"dist/server.js\"\ndeps = [\"package.json\", \"pnpm-lock.yaml\"]\npreset = \"distroless\"\n[build]\nscript = \"build\"\n",
		"package.json":   manifest,
		"pnpm-lock.yaml": nodePnpmLock,
		"build.js": `const fs = require('fs');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/server.js', "const fs = require('fs'), ms = require('ms');\n" +
  "const pm = require('../package.json').packageManager;\n" +
  "require('http').createServer((q, s) => s.end('built with pnpm ' + fs.readFileSync(__dirname + '/pnpm-version.txt', 'utf8').trim() + ', declared ' + pm + ', ' + ms(60000) + '\\n')).listen(Number(process.env.PORT));\n");
`,
	})
	tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml")
	c := runImage(t, tarPath)
	if body, want := c.get(t, "/"), "built with pnpm 10.34.9, declared pnpm@10.34.9, 1m\n"; body != want {
		t.Errorf("GET / = %q, want %q", body, want)
	}
}
