package node

import (
	"github.com/slimfront/slimfront/presets/presettest"
	"reflect"
	"strings"
	"testing"
)

func TestDetectBuildOutputEntrypoint(t *testing.T) {
	d, err := Preset{}.Detect(presettest.Tree(t, map[string]string{
		"package.json": `{"main": "dist/server.js", "scripts": {"build": "tsc"}, "engines": {"node": ">=22"}}`, "yarn.lock": "",
		"src/server.ts": "const port = process.env.PORT ?? 3000;\n",
	}), "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != "dist/server.js" || !reflect.DeepEqual(d.Deps, []string{"package.json", "yarn.lock"}) || d.Port != 3000 || d.PortNote != "src/server.ts" {
		t.Errorf("got path %q deps %q port %d (%s)", d.Path, d.Deps, d.Port, d.PortNote)
	}
	if d.BuildScript != "build" || d.BuildNote == "" || !reflect.DeepEqual(d.Ignore, []string{"dist"}) {
		t.Errorf("build script %q note %q ignore %q; want build, a note, [dist] (a stale local build stays out of the context)", d.BuildScript, d.BuildNote, d.Ignore)
	}
	want := `# version = "` + DefaultVersion + `"      # Node major: ` + strings.Join(Versions, ", ") + "; default " + DefaultVersion + ` (package.json engines.node: ">=22")`
	if !reflect.DeepEqual(d.Notes, []string{want}) {
		t.Errorf("notes %q, want %q", d.Notes, want)
	}
}

func TestDetectFailsWithoutOneLockfileOrEntry(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"no lockfile":      {map[string]string{"package.json": "{}", "index.js": ""}, "no lockfile"},
		"two lockfiles":    {map[string]string{"package.json": "{}", "index.js": "", "yarn.lock": "", "package-lock.json": ""}, "several package managers (package-lock.json, yarn.lock)"},
		"bad package.json": {map[string]string{"package.json": "{", "yarn.lock": ""}, "package.json: unexpected end of JSON input"},
		"no entry":         {map[string]string{"package.json": `{"scripts": {"start": "nodemon x.js"}}`, "yarn.lock": ""}, "cannot tell which script starts the app"},
	} {
		if _, err := (Preset{}).Detect(presettest.Tree(t, tc.files), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}

func TestStartScript(t *testing.T) {
	for in, want := range map[string]string{
		"node server.js":                                     "server.js",
		"node --require ./trace.js dist/main.js":             "dist/main.js",
		"NODE_ENV=production node -r dotenv/config index.js": "index.js",
		"nodemon server.js":                                  "",
		"next start":                                         "",
		"npm run build && node dist/index.js":                "",
		"/usr/bin/node app.mjs --port 3000":                  "app.mjs",
	} {
		if got := startScript(in); got != want {
			t.Errorf("startScript(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDetectNextStandalone(t *testing.T) {
	for config, lock := range map[string]string{
		"next.config.js":  "package-lock.json",
		"next.config.mjs": "yarn.lock",
		"next.config.ts":  "pnpm-lock.yaml",
	} {
		src := map[string]string{
			"next.config.js":  "/** @type {import('next').NextConfig} */\nmodule.exports = {\n  output: 'standalone',\n};\n",
			"next.config.mjs": "// https://nextjs.org/docs\nexport default { reactStrictMode: true, output: \"standalone\" };\n",
			"next.config.ts":  "import type { NextConfig } from 'next';\n\nconst nextConfig: NextConfig = {\n  output: `standalone`,\n};\n\nexport default nextConfig;\n",
		}[config]
		d, err := Preset{}.Detect(presettest.Tree(t, map[string]string{
			"package.json": `{"scripts": {"dev": "next dev", "build": "next build", "start": "next start"}, "dependencies": {"next": "16.0.0"}}`,
			lock:           "", config: src, "app/page.js": "export default function Page() { return 'hi'; }\n",
		}), "")
		if err != nil {
			t.Errorf("%s: %v", config, err)
			continue
		}
		if d.Path != ".next/standalone/server.js" || !strings.Contains(d.EntryNote, config) {
			t.Errorf("%s: entrypoint %q (%s), want .next/standalone/server.js from %s", config, d.Path, d.EntryNote, config)
		}
		if !reflect.DeepEqual(d.Deps, []string{"package.json", lock}) || d.BuildScript != "build" || d.Port != 3000 || !strings.Contains(d.PortNote, "Next.js") {
			t.Errorf("%s: deps %q build script %q port %d (%s); want [package.json %s], build, 3000 (Next.js's default)", config, d.Deps, d.BuildScript, d.Port, d.PortNote, lock)
		}
		if !reflect.DeepEqual(d.Ignore, []string{".next"}) {
			t.Errorf("%s: ignore %q, want [.next] (a local next build stays out of the context)", config, d.Ignore)
		}
	}

	// a start script naming the standalone server: the same, port included
	d, err := Preset{}.Detect(presettest.Tree(t, map[string]string{
		"package.json": `{"scripts": {"build": "next build", "start": "node .next/standalone/server.js"}}`, "package-lock.json": "{}",
		".next/standalone/server.js": "// a local build\n",
	}), "")
	if err != nil || d.Path != ".next/standalone/server.js" || d.Port != 3000 || !reflect.DeepEqual(d.Ignore, []string{".next"}) {
		t.Errorf("start script: %+v, %v; want .next/standalone/server.js, port 3000, .next ignored", d, err)
	}

	// standalone without a build script to run next build
	_, err = Preset{}.Detect(presettest.Tree(t, map[string]string{
		"package.json": `{"scripts": {"start": "next start"}}`, "package-lock.json": "{}", "next.config.js": "module.exports = { output: 'standalone' };\n",
	}), "")
	if err == nil || !strings.Contains(err.Error(), `"build": "next build"`) {
		t.Errorf("standalone without a build script: error %v, want one asking for \"build\": \"next build\"", err)
	}
}

// Without output: "standalone" (or with it commented out) a Next.js app is
// detected as before: next start is no node script.
func TestDetectNextWithoutStandalone(t *testing.T) {
	files := map[string]string{
		"package.json": `{"scripts": {"build": "next build", "start": "next start"}}`, "package-lock.json": "{}",
		"next.config.mjs": "export default {\n  // output: 'standalone',\n  /* output: \"standalone\" */\n  reactStrictMode: true,\n};\n",
	}
	_, err := Preset{}.Detect(presettest.Tree(t, files), "")
	if err == nil || !strings.Contains(err.Error(), "cannot tell which script starts the app") || !strings.Contains(err.Error(), `output: "standalone" in next.config.mjs`) {
		t.Errorf("error %v, want cannot tell ... with a hint about output: \"standalone\"", err)
	}
	// a custom server (server.js running next): the script, as before
	files["server.js"] = "const port = parseInt(process.env.PORT || '8080', 10);\n"
	d, err := Preset{}.Detect(presettest.Tree(t, files), "")
	if err != nil || d.Path != "server.js" || d.Port != 8080 || d.BuildScript != "build" || d.Ignore != nil {
		t.Errorf("custom server: %+v, %v; want server.js, port 8080, build script, nothing ignored", d, err)
	}
}

// TestDetectNuxt: a nuxt.config without a Nitro preset (or with
// node-server) gives the server nuxt build writes, port 3000, the build
// script, and .output/.nuxt ignored; another preset (vercel) writes no
// node server: no Nuxt entrypoint, and the error says why.
func TestDetectNuxt(t *testing.T) {
	for config, src := range map[string]string{
		"nuxt.config.ts":  "// https://nuxt.com/docs/api/configuration/nuxt-config\nexport default defineNuxtConfig({\n  devtools: { enabled: true },\n  // nitro: { preset: 'vercel' },\n})\n",
		"nuxt.config.mjs": "export default defineNuxtConfig({ nitro: { compressPublicAssets: true, preset: \"node-server\" } })\n",
	} {
		d, err := Preset{}.Detect(presettest.Tree(t, map[string]string{
			"package.json":      `{"private": true, "type": "module", "scripts": {"build": "nuxt build", "dev": "nuxt dev"}, "dependencies": {"nuxt": "4.5.2"}}`,
			"package-lock.json": "{}", config: src, "app/app.vue": "<template><p>hi</p></template>\n",
		}), "")
		if err != nil {
			t.Errorf("%s: %v", config, err)
			continue
		}
		if d.Path != ".output/server/index.mjs" || !strings.Contains(d.EntryNote, config) || d.BuildScript != "build" || d.Port != 3000 || !strings.Contains(d.PortNote, "Nitro") {
			t.Errorf("%s: entrypoint %q (%s), build script %q, port %d (%s); want .output/server/index.mjs from %s, build, 3000 (Nitro's default)", config, d.Path, d.EntryNote, d.BuildScript, d.Port, d.PortNote, config)
		}
		if !reflect.DeepEqual(d.Ignore, []string{".nuxt", ".output"}) {
			t.Errorf("%s: ignore %q, want [.nuxt .output]", config, d.Ignore)
		}
	}
	files := map[string]string{
		"package.json": `{"scripts": {"build": "nuxt build"}}`, "package-lock.json": "{}",
		"nuxt.config.ts": "export default defineNuxtConfig({\n  nitro: {\n    preset: 'vercel',\n  },\n})\n",
	}
	_, err := Preset{}.Detect(presettest.Tree(t, files), "")
	if err == nil || !strings.Contains(err.Error(), "nuxt.config.ts sets the Nitro preset vercel") || !strings.Contains(err.Error(), "--entrypoint") {
		t.Errorf("preset vercel: error %v, want the preset named and --entrypoint", err)
	}
	delete(files, "nuxt.config.ts")
	files["nuxt.config.js"] = "export default defineNuxtConfig({})\n"
	files["package.json"] = `{"scripts": {"dev": "nuxt dev"}}`
	_, err = Preset{}.Detect(presettest.Tree(t, files), "")
	if err == nil || !strings.Contains(err.Error(), `"build": "nuxt build"`) {
		t.Errorf("no build script: error %v, want the script to add", err)
	}
}

// workspace is a monorepo: a library, a job and a server among the members.
func workspace(root map[string]string) map[string]string {
	files := map[string]string{
		"libs/format/package.json":         `{"name": "@x/format", "main": "format.js"}`,
		"libs/format/format.js":            "exports.line = (s) => s + '\\n';\n",
		"services/cron/package.json":       `{"name": "@x/cron", "main": "job.js"}`,
		"services/cron/job.js":             "console.log(require('@x/format').line('done'));\n",
		"services/web/package.json":        `{"name": "@x/web", "main": "server.js"}`,
		"services/web/server.js":           "require('http').createServer(handler).listen(Number(process.env.PORT) || 8081);\n",
		"node_modules/@x/web/package.json": `{"name": "@x/web", "scripts": {"start": "node server.js"}}`, // a link, not a member
		"README.md":                        "",
	}
	for k, v := range root {
		files[k] = v
	}
	return files
}

func TestDetectWorkspaceMember(t *testing.T) {
	for name, tc := range map[string]struct {
		root map[string]string
		deps []string
	}{
		"npm": {map[string]string{"package.json": `{"name": "x", "private": true, "workspaces": ["services/*", "libs/*"]}`, "package-lock.json": "{}"},
			[]string{"package.json", "package-lock.json"}},
		"npm init's main": {map[string]string{"package.json": `{"name": "x", "main": "index.js", "workspaces": ["services/*", "libs/*"]}`, "package-lock.json": "{}"},
			[]string{"package.json", "package-lock.json"}},
		"yarn 1 packages": {map[string]string{"package.json": `{"private": true, "workspaces": {"packages": ["services/**", "libs/*"], "nohoist": ["**/x"]}}`, "yarn.lock": ""},
			[]string{"package.json", "yarn.lock"}},
		"yarn 4": {map[string]string{"package.json": `{"packageManager": "yarn@4.5.0", "workspaces": ["./services/*/", "libs/*"]}`, "yarn.lock": "", ".yarnrc.yml": "nodeLinker: node-modules\n"},
			[]string{"package.json", "yarn.lock"}},
		"pnpm": {map[string]string{"package.json": `{"packageManager": "pnpm@10.0.0", "scripts": {"web": "pnpm --filter @x/web start"}}`, "pnpm-lock.yaml": "",
			"pnpm-workspace.yaml":        "packages:\n  - 'services/*'   # the apps\n  - \"libs/*\"\n  - '!**/test/**'\n",
			"services/test/package.json": `{"scripts": {"start": "node stub.js"}}`}, // left out by the "!" glob
			[]string{"package.json", "pnpm-lock.yaml"}},
	} {
		d, err := Preset{}.Detect(presettest.Tree(t, workspace(tc.root)), "")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d.Path != "services/web/server.js" || !strings.Contains(d.EntryNote, "services/web") {
			t.Errorf("%s: entrypoint %q (%s), want services/web/server.js, the member that starts a server", name, d.Path, d.EntryNote)
		}
		if !reflect.DeepEqual(d.Deps, tc.deps) || d.Port != 8081 || d.PortNote != "services/web/server.js" || d.BuildScript != "" {
			t.Errorf("%s: deps %q port %d (%s) script %q; want %q, 8081 from services/web/server.js, no build script", name, d.Deps, d.Port, d.PortNote, d.BuildScript, tc.deps)
		}
	}

	// a start script makes a member the app, whatever its code looks like;
	// a member's build output is found with its sources and kept out of
	// the context (not the whole apps/)
	d, err := Preset{}.Detect(presettest.Tree(t, map[string]string{
		"package.json": `{"workspaces": ["apps/*", "packages/*"], "scripts": {"build": "npm run build --workspaces"}}`, "package-lock.json": "{}",
		"packages/ui/package.json": `{"main": "index.js"}`, "packages/ui/index.js": "module.exports = {};\n",
		"apps/api/package.json":   `{"scripts": {"build": "tsc", "start": "node --enable-source-maps dist/main.js"}}`,
		"apps/api/src/main.ts":    "import { start } from './app';\nstart(Number(process.env.PORT ?? 4000));\n",
		"tools/mock/package.json": `{"main": "server.js"}`, // not a member
		"tools/mock/server.js":    "app.listen(1)\n",
	}), "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != "apps/api/dist/main.js" || d.Port != 4000 || d.PortNote != "apps/api/src/main.ts" || d.BuildScript != "build" || !reflect.DeepEqual(d.Ignore, []string{"apps/api/dist"}) {
		t.Errorf("build output in a member: path %q port %d (%s) script %q ignore %q; want apps/api/dist/main.js, 4000 (apps/api/src/main.ts), build, [apps/api/dist]",
			d.Path, d.Port, d.PortNote, d.BuildScript, d.Ignore)
	}
}

func TestDetectWorkspaceSeveralMembers(t *testing.T) {
	files := workspace(map[string]string{
		"package.json": `{"private": true, "workspaces": ["services/*", "libs/*", "apps/*"]}`, "package-lock.json": "{}",
		"apps/api/package.json":  `{"scripts": {"start": "node src/server.js"}}`,
		"apps/api/src/server.js": "const fastify = require('fastify')();\nfastify.listen({ port: process.env.PORT || 3000 });\n",
	})
	dir := presettest.Tree(t, files)
	d, err := Preset{}.Detect(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	// the first by path is written, the other is listed with how to build it
	if d.Path != "apps/api/src/server.js" || d.Port != 3000 || !strings.Contains(d.EntryNote, "the first by path of 2 members that start a server") {
		t.Errorf("several members: entrypoint %q (%s), port %d; want apps/api/src/server.js, noted as the first of 2, port 3000", d.Path, d.EntryNote, d.Port)
	}
	notes := strings.Join(d.Notes, "\n")
	for _, want := range []string{
		"# Other workspace members start a server too (this file builds apps/api):",
		"#   services/web/server.js   (its default port: 8081)",
		"#   docker buildx build -f slim.toml --build-arg SLIM_ENTRYPOINT=services/web/server.js -t web .",
		"slim init --force --entrypoint services/web/server.js",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	for entry, port := range map[string]int{"apps/api/src/server.js": 3000, "./services/web/server.js": 8081} {
		d, err := Preset{}.Detect(dir, entry)
		if err != nil || d.Path != strings.TrimPrefix(entry, "./") || d.Port != port || !reflect.DeepEqual(d.Deps, []string{"package.json", "package-lock.json"}) {
			t.Errorf("--entrypoint %s: %+v, %v; want that path, port %d, the root's deps", entry, d, err, port)
		}
	}

	// no member starts a server: the members are named
	delete(files, "apps/api/package.json")
	files["services/web/server.js"] = "module.exports = require('./handler');\n"
	_, err = Preset{}.Detect(presettest.Tree(t, files), "")
	if want := "none of the workspace members (libs/format, services/cron, services/web)"; err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--entrypoint") {
		t.Errorf("no server: error %v, want one containing %q and --entrypoint", err, want)
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		glob, name string
		want       bool
	}{
		{"packages/*", "packages/api", true},
		{"packages/*", "packages/api/sub", false},
		{"packages/**", "packages/api/sub", true},
		{"**/test/**", "apps/test", true},
		{"**/test/**", "apps/api", false},
		{"apps/web", "apps/web", true},
		{"apps/web/", "apps/web", true},
		{"app-*", "app-one", true},
	} {
		if got := globMatch(tc.glob, tc.name); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.glob, tc.name, got, tc.want)
		}
	}
}
