package node

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// detectTree writes files (slash paths -> contents) under a temp dir.
func detectTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDetectBuildOutputEntrypoint(t *testing.T) {
	d, err := Preset{}.Detect(detectTree(t, map[string]string{
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
		if _, err := (Preset{}).Detect(detectTree(t, tc.files), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
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
