package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/slimfront/slimfront/presets/node"
)

// nodeLockfiles are the lockfiles the node preset installs from.
var nodeLockfiles = []string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}

// nodeScripts are conventional entry scripts, in order of preference.
var nodeScripts = []string{"server.js", "index.js", "app.js", "main.js", "server.mjs", "index.mjs"}

type packageJSON struct {
	Main    string            `json:"main"`
	Scripts map[string]string `json:"scripts"`
	Engines map[string]string `json:"engines"`
}

func detectNode(dir, entry string, d *detection) error {
	var locks []string
	for _, l := range nodeLockfiles {
		if isFile(filepath.Join(dir, l)) {
			locks = append(locks, l)
		}
	}
	switch len(locks) {
	case 0:
		return errorf("%s has package.json but no lockfile: the node preset installs exactly the locked versions; create one first (npm install --package-lock-only, yarn install or pnpm install), then run slim init again", dir)
	case 1:
	default:
		return errorf("%s has lockfiles of several package managers (%s); delete the ones you do not use", dir, strings.Join(locks, ", "))
	}
	d.Deps = []string{"package.json", locks[0]}
	d.DepsNote = "installed from the lockfile alone, before the sources are copied: a code edit keeps node_modules cached"

	var pkg packageJSON
	if err := json.Unmarshal(readHead(filepath.Join(dir, "package.json")), &pkg); err != nil {
		return errorf("%s: package.json: %v", dir, err)
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
		for _, s := range nodeScripts {
			if isFile(filepath.Join(dir, s)) {
				d.Path = s
				d.EntryNote = "the main script"
				break
			}
		}
		if d.Path == "" {
			return errorf(`%s: cannot tell which script starts the app: package.json has no "main" and no "start": "node <file>" script, and there is no %s; choose one with --entrypoint`, dir, strings.Join(nodeScripts[:4], ", "))
		}
	}
	if pkg.Scripts["build"] != "" {
		d.BuildScript = "build"
		if top, _, ok := strings.Cut(d.Path, "/"); ok && !isFile(filepath.Join(dir, d.Path)) {
			// the entrypoint is a build output (dist/server.js): a stale
			// local build must not reach the context
			d.Ignore = append(d.Ignore, top)
		}
	}

	// The port: in the entry script, or in the sources it is built from.
	files := []string{d.Path}
	if !isFile(filepath.Join(dir, d.Path)) {
		files = nil
		base := strings.TrimSuffix(path.Base(d.Path), path.Ext(d.Path))
		for _, ext := range []string{".ts", ".mts", ".js", ".mjs"} {
			if f := "src/" + base + ext; isFile(filepath.Join(dir, f)) {
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
	d.Port, d.PortNote = findPort(dir, files)

	note := fmt.Sprintf(`# version = "%s"      # Node major: %s; default %s`, node.DefaultVersion, strings.Join(node.Versions, ", "), node.DefaultVersion)
	if e := pkg.Engines["node"]; e != "" {
		note += fmt.Sprintf(" (package.json engines.node: %q)", e)
	}
	d.Notes = append(d.Notes, note)
	return nil
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
