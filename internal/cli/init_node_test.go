package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/presets/presettest"
)

// TestInitNodeWorkspaceSeveralServices: slim init on a pnpm workspace whose
// members apps/api and apps/worker both have a `"start": "node FILE"`
// script (a library beside them) writes a slim.toml for the first by path,
// apps/api, that parses and plans, and lists apps/worker with the build
// arg and the init flag that pick it; the descriptor with the worker as
// entrypoint plans it.
func TestInitNodeWorkspaceSeveralServices(t *testing.T) {
	dir := presettest.Tree(t, map[string]string{
		"package.json":             `{"name": "shop", "private": true, "packageManager": "pnpm@10.34.9"}`,
		"pnpm-lock.yaml":           "lockfileVersion: '9.0'\n",
		"pnpm-workspace.yaml":      "packages:\n  - apps/*\n  - libs/*\n",
		"apps/api/package.json":    `{"name": "@shop/api", "scripts": {"start": "node server.js"}, "dependencies": {"@shop/fmt": "workspace:*"}}`,
		"apps/api/server.js":       "require('http').createServer((q, s) => s.end('api')).listen(process.env.PORT || 4000);\n",
		"apps/worker/package.json": `{"name": "@shop/worker", "scripts": {"start": "node --enable-source-maps worker.js"}}`,
		"apps/worker/worker.js":    "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT || 4100);\n",
		"libs/fmt/package.json":    `{"name": "@shop/fmt", "main": "index.js"}`,
		"libs/fmt/index.js":        "exports.fmt = (x) => String(x);\n",
	})
	code, out, errOut := runCLI("init", dir)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	app := parseWritten(t, dir)
	written, _ := os.ReadFile(filepath.Join(dir, "slim.toml"))
	if app.Entrypoint.Path != "apps/api/server.js" || app.Port != 4000 {
		t.Errorf("entrypoint %q port %d, want apps/api/server.js (the first by path) and 4000:\n%s", app.Entrypoint.Path, app.Port, written)
	}
	for _, want := range []string{
		"# Other workspace members start a server too (this file builds apps/api):",
		"#   apps/worker/worker.js   (its default port: 4100)",
		"--build-arg SLIM_ENTRYPOINT=apps/worker/worker.js -t worker .",
		"slim init --force --entrypoint apps/worker/worker.js",
	} {
		if !strings.Contains(string(written), want) {
			t.Errorf("slim.toml lacks %q:\n%s", want, written)
		}
	}
	if strings.Contains(string(written), "libs/fmt") {
		t.Errorf("slim.toml lists the library libs/fmt as a service:\n%s", written)
	}
	// "entrypoint above" set to the listed member plans it, its install
	// filtered to that member (SLIM_ENTRY)
	edited := strings.Replace(string(written), `"apps/api/server.js"`, `"apps/worker/worker.js"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "worker.toml"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, plan, errOut := runCLI("plan", "-f", filepath.Join(dir, "worker.toml"))
	if code != ExitOK || !strings.Contains(plan, "/app/apps/worker/worker.js") || !strings.Contains(plan, `SLIM_ENTRY="apps/worker/worker.js"`) {
		t.Errorf("slim plan with entrypoint apps/worker/worker.js: exit %d, want a plan installing for and running it\n%s%s", code, plan, errOut)
	}
}
