package node

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

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
	// Workspaces is npm's and Yarn's list of member globs, or Yarn 1's
	// {"packages": [...]}.
	Workspaces json.RawMessage `json:"workspaces"`
}

// nextConfigs are the files Next.js reads its configuration from.
var nextConfigs = []string{"next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs", "next.config.mts"}

// nextPort is the port next start and the standalone server listen on
// when PORT is unset.
const nextPort = 3000

// Detect takes package.json and the one lockfile of the app in dir as
// deps, and the entrypoint from entry when not "", else Next.js's
// standalone server when next.config sets output: "standalone", else
// package.json "main", else the file of a `"start": "node FILE"` script,
// else a conventional server.js / index.js / app.js / main.js, else, in a
// workspace (package.json "workspaces", pnpm-workspace.yaml), the one
// member that starts a server (workspaceEntry). A "build" script becomes
// [build] script. It fails when there is no lockfile, lockfiles of several
// package managers, an unreadable package.json, no entry script, or
// several workspace members that could be it (listing them).
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
	patterns, err := workspacePatterns(dir, pkg)
	if err != nil {
		return nil, err
	}
	if patterns != nil {
		d.DepsNote = "the workspace root's manifest and lockfile (every member's package.json is copied with them), installed before the sources are copied: a code edit keeps node_modules cached"
	}
	nextConfig := nextStandaloneConfig(dir)
	member := "" // the workspace member the entrypoint is in ("" for the root)
	switch {
	case entry != "":
		d.Path = clean(entry)
		d.EntryNote = "the main script (from --entrypoint)"
	case nextConfig != "":
		if pkg.Scripts["build"] == "" {
			return nil, fmt.Errorf(`%s: %s has output: "standalone", but package.json has no "build" script to run next build: add "build": "next build" to its scripts`, dir, nextConfig)
		}
		d.Path = ".next/standalone/server.js"
		d.EntryNote = fmt.Sprintf(`the server next build writes with output: "standalone" (%s)`, nextConfig)
	case pkg.Main != "" && (patterns == nil || has(clean(pkg.Main)) || pkg.Scripts["build"] != ""):
		// (a workspace root's "main" naming no file is npm init's default)
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
		if d.Path != "" {
			break
		}
		if patterns != nil {
			c, err := workspaceEntry(dir, patterns)
			if err != nil {
				return nil, err
			}
			d.Path, d.EntryNote, member = c.path, c.note, c.member
			break
		}
		hint := ""
		if f := firstFile(dir, nextConfigs); f != "" {
			hint = fmt.Sprintf(` (a Next.js app: with output: "standalone" in %s, slim init picks the server next build writes, .next/standalone/server.js)`, f)
		}
		return nil, fmt.Errorf(`%s: cannot tell which script starts the app: package.json has no "main" and no "start": "node <file>" script, and there is no %s; choose one with --entrypoint%s`, dir, strings.Join(conventionalScripts[:4], ", "), hint)
	}
	if entry != "" && patterns != nil {
		member = memberOf(dir, d.Path)
	}
	next := d.Path == nextStandalone
	if pkg.Scripts["build"] != "" {
		d.BuildScript = "build"
		d.BuildNote = "npm run build before the production install (dev dependencies only exist in the builder)"
		if next {
			d.BuildNote = "npm run build (next build writes .next/standalone) with the dev dependencies, in the builder"
		}
		rel := strings.TrimPrefix(d.Path, member+"/") // in the member: dist/server.js
		if top, _, ok := strings.Cut(rel, "/"); ok && (next || !has(d.Path)) {
			// the entrypoint is a build output (dist/server.js,
			// .next/standalone/server.js, apps/api/dist/server.js): a
			// stale local build must not reach the context
			d.Ignore = append(d.Ignore, path.Join(member, top))
		}
	}

	if next {
		d.Port, d.PortNote = nextPort, "Next.js's default: the standalone server listens on $PORT, else 3000"
	} else {
		d.Port, d.PortNote = presets.FindPort(dir, sourceFiles(dir, member, d.Path))
	}

	note := fmt.Sprintf(`# version = "%s"      # Node major: %s; default %s`, DefaultVersion, strings.Join(Versions, ", "), DefaultVersion)
	if e := pkg.Engines["node"]; e != "" {
		note += fmt.Sprintf(" (package.json engines.node: %q)", e)
	}
	d.Notes = append(d.Notes, note)
	return d, nil
}

// clean makes a script path relative and slash-separated: "./server.js" ->
// "server.js".
func clean(p string) string { return strings.TrimPrefix(path.Clean(filepath.ToSlash(p)), "./") }

func firstFile(dir string, names []string) string {
	for _, n := range names {
		if presets.IsFile(filepath.Join(dir, n)) {
			return n
		}
	}
	return ""
}

// nextStandaloneRE finds output: "standalone" in a Next.js configuration
// (comments removed first).
var (
	nextStandaloneRE = regexp.MustCompile("\\boutput\\s*:\\s*[\"'`]standalone[\"'`]")
	jsComment        = regexp.MustCompile(`/\*(?s:.*?)\*/|(?m:(^|[^:])//.*$)`)
)

// nextStandaloneConfig returns the next.config file in dir that sets
// output: "standalone", or "".
func nextStandaloneConfig(dir string) string {
	for _, f := range nextConfigs {
		src := jsComment.ReplaceAll(presets.ReadHead(filepath.Join(dir, f)), []byte("$1"))
		if nextStandaloneRE.Match(src) {
			return f
		}
	}
	return ""
}

// sourceFiles are the files (relative to dir) to look for the app's port
// in: the entry script, or, when it is a build output (dist/server.js of
// the app or of the workspace member at member), the sources it is built
// from (src/server.ts, else every file in src/).
func sourceFiles(dir, member, script string) []string {
	if presets.IsFile(filepath.Join(dir, script)) {
		return []string{script}
	}
	src := path.Join(member, "src")
	var files []string
	base := strings.TrimSuffix(path.Base(script), path.Ext(script))
	for _, ext := range []string{".ts", ".mts", ".js", ".mjs"} {
		if f := src + "/" + base + ext; presets.IsFile(filepath.Join(dir, f)) {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		ents, _ := os.ReadDir(filepath.Join(dir, src))
		for _, e := range ents {
			if !e.IsDir() {
				files = append(files, src+"/"+e.Name())
			}
		}
	}
	return files
}

// Workspaces.

// workspacePatterns returns the member globs of the workspace rooted at
// dir: package.json "workspaces" (npm, Yarn: an array, or Yarn 1's
// {"packages": [...]}) and pnpm-workspace.yaml "packages"; nil when dir is
// no workspace root.
func workspacePatterns(dir string, pkg packageJSON) ([]string, error) {
	var patterns []string
	if ws := strings.TrimSpace(string(pkg.Workspaces)); ws != "" && ws != "null" {
		var list []string
		if err := json.Unmarshal(pkg.Workspaces, &list); err != nil {
			var obj struct {
				Packages []string `json:"packages"`
			}
			if err := json.Unmarshal(pkg.Workspaces, &obj); err != nil {
				return nil, fmt.Errorf(`%s: package.json: "workspaces" must be an array of globs like ["packages/*"] (or {"packages": [...]})`, dir)
			}
			list = obj.Packages
		}
		patterns = append(patterns, list...)
	}
	if p := filepath.Join(dir, "pnpm-workspace.yaml"); presets.IsFile(p) {
		var ws struct {
			Packages []string `yaml:"packages"`
		}
		if err := yaml.Unmarshal(presets.ReadHead(p), &ws); err != nil {
			return nil, fmt.Errorf("%s: pnpm-workspace.yaml: %v", dir, err)
		}
		patterns = append(patterns, ws.Packages...)
		if patterns == nil {
			patterns = []string{} // a workspace root all the same
		}
	}
	return patterns, nil
}

// workspaceMembers returns the directories below dir (slash paths, sorted)
// with a package.json that the member globs take in (a "!" glob leaves
// out what it matches).
func workspaceMembers(dir string, patterns []string) []string {
	var members []string
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if presets.SkipDir(e.Name()) {
			return filepath.SkipDir
		}
		if !presets.IsFile(filepath.Join(p, "package.json")) {
			return nil
		}
		in := false
		for _, g := range patterns {
			if neg, ok := strings.CutPrefix(g, "!"); ok {
				if globMatch(clean(neg), rel) {
					in = false
				}
			} else if globMatch(clean(g), rel) {
				in = true
			}
		}
		if in {
			members = append(members, rel)
		}
		return nil
	})
	sort.Strings(members)
	return members
}

// globMatch matches a slash path against a workspace glob, where "**"
// stands for any number of directories.
func globMatch(glob, name string) bool {
	return matchParts(strings.Split(strings.TrimSuffix(glob, "/"), "/"), strings.Split(name, "/"))
}

func matchParts(glob, name []string) bool {
	if len(glob) == 0 {
		return len(name) == 0
	}
	if glob[0] == "**" {
		for i := 0; i <= len(name); i++ {
			if matchParts(glob[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 {
		return false
	}
	ok, err := path.Match(glob[0], name[0])
	return err == nil && ok && matchParts(glob[1:], name[1:])
}

// memberOf returns the workspace member directory that holds script: the
// nearest directory above it with a package.json, "" for the root.
func memberOf(dir, script string) string {
	for m := path.Dir(script); m != "." && m != "/"; m = path.Dir(m) {
		if presets.IsFile(filepath.Join(dir, m, "package.json")) {
			return m
		}
	}
	return ""
}

// serverRE finds code that starts a server: app.listen(, http.createServer(,
// serve({ fetch }) (Hono), Bun.serve(.
var serverRE = regexp.MustCompile(`\.listen\s*\(|\bcreateServer\s*\(|\bserve\s*\(`)

// candidate is a workspace member's entry script.
type candidate struct {
	member string // the member directory
	path   string // the script, relative to the workspace root
	note   string // why
}

// workspaceEntry finds the workspace member that runs the app: one with a
// `"start": "node FILE"` script, or whose "main" (else conventional
// server.js, index.js, ...) starts a server (listen, createServer, serve),
// read in the sources when it is a build output. Libraries, jobs and CLIs
// are not candidates. Exactly one must be found.
func workspaceEntry(dir string, patterns []string) (candidate, error) {
	members := workspaceMembers(dir, patterns)
	var found []candidate
	for _, m := range members {
		var pkg packageJSON
		if json.Unmarshal(presets.ReadHead(filepath.Join(dir, m, "package.json")), &pkg) != nil {
			continue // the install says what is wrong with it
		}
		if s := startScript(pkg.Scripts["start"]); s != "" && clean(s) != "." {
			found = append(found, candidate{m, path.Join(m, clean(s)),
				fmt.Sprintf("the main script of the workspace member %s: %s/package.json scripts.start (%s)", m, m, pkg.Scripts["start"])})
			continue
		}
		script, why := "", ""
		if pkg.Main != "" {
			script, why = path.Join(m, clean(pkg.Main)), fmt.Sprintf(`%s/package.json "main"`, m)
		} else {
			for _, s := range conventionalScripts {
				if presets.IsFile(filepath.Join(dir, m, s)) {
					script, why = path.Join(m, s), m+"/"+s
					break
				}
			}
		}
		if script == "" {
			continue
		}
		for _, f := range sourceFiles(dir, m, script) {
			if serverRE.Match(presets.ReadHead(filepath.Join(dir, f))) {
				found = append(found, candidate{m, script,
					fmt.Sprintf("the main script of the workspace member %s, the one that starts a server: %s", m, why)})
				break
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		where := "no workspace member"
		if len(members) > 0 {
			where = "none of the workspace members (" + strings.Join(members, ", ") + ")"
		}
		return candidate{}, fmt.Errorf(`%s: cannot tell which script starts the app: package.json has no "main" and no "start": "node <file>" script, there is no %s, and %s has a "start": "node <file>" script or a main script that starts a server; choose one with --entrypoint (its path from the workspace root, like packages/api/server.js)`, dir, strings.Join(conventionalScripts[:4], ", "), where)
	}
	var paths []string
	for _, c := range found {
		paths = append(paths, c.path)
	}
	return candidate{}, fmt.Errorf("%s is a workspace with several members that start a server: %s; choose one with --entrypoint, e.g. slim init --entrypoint %s (the same slim.toml builds the others with --build-arg SLIM_ENTRYPOINT=%s)", dir, strings.Join(paths, ", "), paths[0], paths[len(paths)-1])
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
