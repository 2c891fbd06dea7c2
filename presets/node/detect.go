package node

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/slimfront/slimfront/presets"
)

// Info describes Node to slim init and bench: an app with a package.json,
// sources in .js files.
func (Preset) Info() presets.LanguageInfo {
	return presets.LanguageInfo{Name: "Node", Markers: []string{"package.json"}, SourceExt: ".js"}
}

// conventionalScripts are conventional entry scripts, in order of preference.
var conventionalScripts = []string{"server.js", "index.js", "app.js", "main.js", "server.mjs", "index.mjs"}

// packageJSON is what Detect reads of package.json.
type packageJSON struct {
	Main    string            `json:"main"`
	Scripts map[string]string `json:"scripts"`
	Engines map[string]string `json:"engines"`
}

// Detect takes package.json and the one lockfile of the app in dir as
// deps, and the entrypoint from entry when not "", else package.json
// "main", else the file of a `"start": "node FILE"` script, else a
// conventional server.js / index.js / app.js / main.js. A "build" script
// becomes [build] script. It fails when there is no lockfile, lockfiles of
// several package managers, an unreadable package.json or no entry script.
func (Preset) Detect(dir, entry string) (*presets.Detection, error) {
	d := &presets.Detection{}
	has := func(f string) bool { return presets.IsFile(filepath.Join(dir, f)) }
	var locks []string
	for _, m := range managers {
		if has(m.lockfile) {
			locks = append(locks, m.lockfile)
		}
	}
	switch len(locks) {
	case 0:
		return nil, fmt.Errorf("%s has package.json but no lockfile: the node preset installs exactly the locked versions; create one first (npm install --package-lock-only, yarn install or pnpm install), then run slim init again", dir)
	case 1:
	default:
		return nil, fmt.Errorf("%s has lockfiles of several package managers (%s); delete the ones you do not use", dir, strings.Join(locks, ", "))
	}
	d.Deps = []string{"package.json", locks[0]}
	d.DepsNote = "installed from the lockfile alone, before the sources are copied: a code edit keeps node_modules cached"

	var pkg packageJSON
	if err := json.Unmarshal(presets.ReadHead(filepath.Join(dir, "package.json")), &pkg); err != nil {
		return nil, fmt.Errorf("%s: package.json: %v", dir, err)
	}
	clean := func(p string) string { return strings.TrimPrefix(path.Clean(filepath.ToSlash(p)), "./") }
	switch {
	case entry != "":
		d.Path = clean(entry)
		d.EntryNote = "the main script (from --entrypoint)"
	case pkg.Main != "":
		d.Path = clean(pkg.Main)
		d.EntryNote = `the main script: package.json "main"`
	case startScript(pkg.Scripts["start"]) != "":
		d.Path = clean(startScript(pkg.Scripts["start"]))
		d.EntryNote = fmt.Sprintf("the main script: package.json scripts.start (%s)", pkg.Scripts["start"])
	default:
		for _, s := range conventionalScripts {
			if has(s) {
				d.Path = s
				d.EntryNote = "the main script"
				break
			}
		}
		if d.Path == "" {
			return nil, fmt.Errorf(`%s: cannot tell which script starts the app: package.json has no "main" and no "start": "node <file>" script, and there is no %s; choose one with --entrypoint`, dir, strings.Join(conventionalScripts[:4], ", "))
		}
	}
	if pkg.Scripts["build"] != "" {
		d.BuildScript = "build"
		d.BuildNote = "npm run build before the production install (dev dependencies only exist in the builder)"
		if top, _, ok := strings.Cut(d.Path, "/"); ok && !has(d.Path) {
			// the entrypoint is a build output (dist/server.js): a stale
			// local build must not reach the context
			d.Ignore = append(d.Ignore, top)
		}
	}

	// The port: in the entry script, or in the sources it is built from.
	files := []string{d.Path}
	if !has(d.Path) {
		files = nil
		base := strings.TrimSuffix(path.Base(d.Path), path.Ext(d.Path))
		for _, ext := range []string{".ts", ".mts", ".js", ".mjs"} {
			if f := "src/" + base + ext; has(f) {
				files = append(files, f)
			}
		}
		if len(files) == 0 {
			ents, _ := os.ReadDir(filepath.Join(dir, "src"))
			for _, e := range ents {
				if !e.IsDir() {
					files = append(files, "src/"+e.Name())
				}
			}
		}
	}
	d.Port, d.PortNote = presets.FindPort(dir, files)

	note := fmt.Sprintf(`# version = "%s"      # Node major: %s; default %s`, DefaultVersion, strings.Join(Versions, ", "), DefaultVersion)
	if e := pkg.Engines["node"]; e != "" {
		note += fmt.Sprintf(" (package.json engines.node: %q)", e)
	}
	d.Notes = append(d.Notes, note)
	return d, nil
}

// startScript returns the script a `node [flags] FILE` start command runs,
// or "" when the command is something else (nodemon, next start, ...).
func startScript(cmd string) string {
	words := strings.Fields(cmd)
	i := 0
	for i < len(words) && (words[i] == "env" || strings.Contains(words[i], "=")) {
		i++ // NODE_ENV=production node server.js
	}
	if i == len(words) || (words[i] != "node" && !strings.HasSuffix(words[i], "/node")) {
		return ""
	}
	for j := i + 1; j < len(words); j++ {
		switch w := words[j]; {
		case w == "-r" || w == "--require" || w == "--import" || w == "--loader" || w == "--env-file":
			j++ // takes a value
		case strings.HasPrefix(w, "-"):
		case w == "&&" || w == ";" || w == "|":
			return ""
		default:
			return w
		}
	}
	return ""
}
