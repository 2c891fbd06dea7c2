package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNodeExamplesOnDistrolessAndScratch builds every Node example with the
// distroless and scratch presets through `docker buildx build` (the literal
// `# syntax=org/slimfront` line of its slim.toml) and checks the image: non-root
// user, no shell, no npm/yarn/pnpm/corepack, dev dependencies absent, size
// budget; then runs it: GET, uid 65532, and it stops within 2 s of SIGTERM
// (none of the example apps installs a signal handler).
func TestNodeExamplesOnDistrolessAndScratch(t *testing.T) {
	requireEnv(t)
	for _, ex := range nodeExamples(t) {
		for _, preset := range nodePresets {
			t.Run(ex+"/"+preset, func(t *testing.T) {
				t.Parallel()
				nodeExampleOnPreset(t, ex, preset)
			})
		}
	}
}

func nodeExampleOnPreset(t *testing.T, example, preset string) {
	e := loadExpect(t, repoPath("examples", example))
	ne := loadNodeExpect(t, repoPath("examples", example))
	dir := copyExample(t, example)
	if b, _ := os.ReadFile(filepath.Join(dir, "slim.toml")); !strings.HasPrefix(string(b), syntaxLine) {
		t.Fatalf("slim.toml of %s does not start with %q", example, syntaxLine)
	}
	im, tarPath := buildPresetImage(t, dir, preset)
	checkSize(t, im, e, preset)
	checkNoShell(t, im)
	checkNoNodePackageManager(t, im)
	checkNodePaths(t, im, ne)
	checkNoDanglingLinks(t, im)
	if preset == "distroless" && !im.Has("nodejs/bin/node") {
		t.Errorf("distroless image has no /nodejs/bin/node")
	}
	if t.Failed() {
		return
	}

	c := runImage(t, tarPath)
	c.checkServes(t, e)
	c.checkUID(t)
	c.checkNodeStopsOnSIGTERM(t, 2*time.Second)
}

// TestNodeRebuildReusesCache builds node-express (dev dependency + build
// script) three times: unchanged, every step is cached; after a source edit
// both installs (dev and production) stay cached while the build script runs
// again, and the new image serves the edit.
func TestNodeRebuildReusesCache(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	const example = "node-express"
	e := loadExpect(t, repoPath("examples", example))
	dir := copyExample(t, example)
	args := []string{"-f", "slim.toml", "--build-arg", "SLIM_PRESET=scratch"}

	requireNoOpRebuild(t, dir, "npm run build", args...)

	t.Log("build 3: edit a source file")
	src := filepath.Join(dir, "src", "server.ts")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	const oldLine, newLine = `const greeting: string = "hello";`, `const greeting: string = "bonjour";`
	if !strings.Contains(string(b), oldLine) {
		t.Fatalf("%s no longer contains %s; update this test", src, oldLine)
	}
	edited := strings.Replace(string(b), oldLine, newLine, 1) + fmt.Sprintf("\n// edited by e2e %d\n", time.Now().UnixNano())
	if err := os.WriteFile(src, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	tarPath, out := mustBuildOCI(t, dir, args...)
	vs := parseProgress(out)
	t.Logf("steps after the edit:%s", describe(buildSteps(vs)))
	for _, install := range []string{"install npm ci", "install npm ci --omit=dev"} {
		var found *vertex
		for _, v := range buildSteps(vs) {
			if strings.HasSuffix(v.Name, install) {
				found = v
			}
		}
		if found == nil {
			t.Errorf("no step %q after the edit\n----- buildx output -----\n%s", install, out)
		} else if !found.Cached || found.Done {
			t.Errorf("after a source edit, the install step should be cached: %s\n----- buildx output -----\n%s", found, out)
		}
	}
	if bs := findStep(t, vs, "npm run build", out); bs.Cached || !bs.Done {
		t.Errorf("after a source edit, the build script should run: %s\n----- buildx output -----\n%s", bs, out)
	}

	c := runImage(t, tarPath)
	body := c.get(t, e.Path)
	if want := strings.Replace(e.Contains, "hello", "bonjour", 1); !strings.Contains(body, want) {
		t.Errorf("rebuilt image: GET %s = %q, want it to contain %q", e.Path, body, want)
	}
	c.checkUID(t)
}

// TestNodeAppSignalHandlerKeepsControl checks the SIGTERM preload leaves an
// app's own graceful-shutdown handler in charge: the handler finishes its
// (delayed) cleanup before the process exits.
func TestNodeAppSignalHandlerKeepsControl(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"slim.toml":         syntaxLine + "language = \"node\"\nentrypoint = \"app.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\npreset = \"distroless\"\n",
		"package.json":      nodeEmptyPackageJSON,
		"package-lock.json": nodeEmptyLock,
		"app.js": `'use strict';
const http = require('http');
const server = http.createServer((req, res) => res.end('graceful app\n')).listen(Number(process.env.PORT));
process.on('SIGTERM', () => {
  console.log('graceful: closing');
  server.close();
  setTimeout(() => { console.log('graceful: done'); process.exit(0); }, 500);
});
`,
	})
	tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml")
	c := runImage(t, tarPath)
	if body := c.get(t, "/"); !strings.Contains(body, "graceful app") {
		t.Fatalf("GET / = %q", body)
	}
	took := c.checkNodeStopsOnSIGTERM(t, 2*time.Second)
	logs := c.logs()
	if !strings.Contains(logs, "graceful: done") {
		t.Errorf("the app's own SIGTERM handler did not finish (the preload must not exit when the app has a handler):\n%s", logs)
	}
	if took < 400*time.Millisecond {
		t.Errorf("stopped after %s, before the app's 500 ms cleanup", took)
	}
}

const (
	nodeEmptyPackageJSON = `{"name": "app", "version": "1.0.0", "private": true}
`
	nodeEmptyLock = `{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0"}
  }
}
`
)

// TestNodeBadInputFailsClearly checks the Node-specific bad inputs: each
// fails the build with a message naming the problem in the buildx output.
func TestNodeBadInputFailsClearly(t *testing.T) {
	requireEnv(t)
	const appJS = "require('http').createServer((q, s) => s.end('x')).listen(3000);\n"
	cases := []struct {
		name  string
		files map[string]string
		want  []anyOf
	}{{
		name: "lockfile listed but missing",
		files: map[string]string{
			"slim.toml":    syntaxLine + "language = \"node\"\nentrypoint = \"app.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\n",
			"package.json": nodeEmptyPackageJSON, "app.js": appJS,
		},
		want: []anyOf{{"slim.toml"}, {"package-lock.json"}, {"not found"}, {`deps = ["package.json", "package-lock.json"]`}},
	}, {
		name: "no lockfile in deps",
		files: map[string]string{
			"slim.toml":    syntaxLine + "language = \"node\"\nentrypoint = \"app.js\"\ndeps = [\"package.json\"]\n",
			"package.json": nodeEmptyPackageJSON, "app.js": appJS,
		},
		want: []anyOf{{"slim.toml"}, {"no lockfile"}, {"package-lock.json"}, {`deps = ["package.json"]`}},
	}, {
		name: "entrypoint not in context",
		files: map[string]string{
			"slim.toml":    syntaxLine + "language = \"node\"\nentrypoint = \"server.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\n",
			"package.json": nodeEmptyPackageJSON, "package-lock.json": nodeEmptyLock, "app.js": appJS,
		},
		want: []anyOf{{"slim.toml"}, {`entrypoint = "server.js"`}, {"not found"}},
	}, {
		name: "lockfile out of sync with package.json",
		files: map[string]string{
			"slim.toml": syntaxLine + "language = \"node\"\nentrypoint = \"app.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\n",
			// package.json asks for a dependency the lockfile does not have
			"package.json":      `{"name": "app", "version": "1.0.0", "private": true, "dependencies": {"ms": "^2.1.3"}}` + "\n",
			"package-lock.json": nodeEmptyLock, "app.js": appJS,
		},
		want: []anyOf{{"npm ci"}, {"in sync"}, {"package-lock.json"}, {`deps = ["package.json", "package-lock.json"]`}},
	}, {
		name: "unsupported node version",
		files: map[string]string{
			"slim.toml":    syntaxLine + "language = \"node\"\nversion = \"18\"\nentrypoint = \"app.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\n",
			"package.json": nodeEmptyPackageJSON, "package-lock.json": nodeEmptyLock, "app.js": appJS,
		},
		want: []anyOf{{"slim.toml"}, {`version = "18"`}, {"22, 24"}},
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
			// Match the error report only (what buildx shows under the error:
			// the failing step's last lines, the slim.toml excerpt, ERROR).
			missing := lacking(errorReport(out), tc.want)
			if strings.Contains(out, "panic:") {
				t.Errorf("output contains a Go panic")
			}
			if len(missing) > 0 {
				t.Errorf("buildx output lacks %q\n----- buildx output -----\n%s", missing, out)
			} else {
				t.Logf("error report:\n%s", strings.TrimSpace(errorReport(out)))
			}
		})
	}
}
