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

// nuxtConfigs are the files Nuxt reads its configuration from
// (https://nuxt.com/docs/api/nuxt-config).
var nuxtConfigs = []string{"nuxt.config.ts", "nuxt.config.js", "nuxt.config.mjs", "nuxt.config.mts"}

// nitroPort is the port Nitro's node-server listens on when PORT and
// NITRO_PORT are unset.
const nitroPort = 3000

// nitroPresetRE finds the Nitro preset in nuxt.config (nitro: { preset:
// "..." }; NITRO_PRESET at build time is not seen).
var nitroPresetRE = regexp.MustCompile("\\bnitro\\s*:\\s*\\{[^{}]*?\\bpreset\\s*:\\s*[\"'`]([\\w-]+)[\"'`]")

// nuxtNodeServerConfig returns the nuxt.config file in dir when the app
// builds Nitro's node-server output (.output/server/index.mjs: no preset,
// or preset "node-server"/"node"), and the other preset it names, if any.
func nuxtNodeServerConfig(dir string) (config, otherPreset string) {
	f := firstFile(dir, nuxtConfigs)
	if f == "" {
		return "", ""
	}
	src := jsComment.ReplaceAll(presets.ReadHead(filepath.Join(dir, f)), []byte("$1"))
	if m := nitroPresetRE.FindSubmatch(src); m != nil && string(m[1]) != "node-server" && string(m[1]) != "node" {
		return "", f + " sets the Nitro preset " + string(m[1])
	}
	return f, ""
}

// Detect takes package.json and the one lockfile of the app in dir as
// deps, and the entrypoint from entry when not "", else Next.js's
// standalone server when next.config sets output: "standalone", else
// Nuxt's .output/server/index.mjs when there is a nuxt.config that sets
// no Nitro preset other than node-server, else
// package.json "main", else the file of a `"start": "node FILE"` script,
// else a conventional server.js / index.js / app.js / main.js, else, in a
// workspace (package.json "workspaces", pnpm-workspace.yaml), the one
// member that starts a server (workspaceEntry; with several, the first by
// path, the others listed in Notes with how to pick one). A "build"
// script becomes [build] script. It fails when there is no lockfile,
// lockfiles of several package managers, an unreadable package.json, or no
// entry script.
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
		return nil, fmt.Errorf("%s has package.json but no lockfile: the node preset installs exactly the locked versions; create one first (npm install --package-lock-only, yarn install, pnpm install or bun install), then run slim init again", dir)
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
	nuxtConfig, nuxtOther := nuxtNodeServerConfig(dir)
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
	case nuxtConfig != "":
		if pkg.Scripts["build"] == "" {
			return nil, fmt.Errorf(`%s: a Nuxt app (%s), but package.json has no "build" script to run nuxt build: add "build": "nuxt build" to its scripts`, dir, nuxtConfig)
		}
		d.Path = ".output/server/index.mjs"
		d.EntryNote = fmt.Sprintf("the server nuxt build writes with Nitro's node-server preset, its default (%s)", nuxtConfig)
		d.Ignore = append(d.Ignore, ".nuxt") // nuxt's generated sources, rewritten by the build
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
			c, others, err := workspaceEntry(dir, patterns)
			if err != nil {
				return nil, err
			}
			d.Path, d.EntryNote, member = c.path, c.note, c.member
			d.Notes = append(d.Notes, otherMembersNotes(dir, c, others)...)
			break
		}
		hint := ""
		if f := firstFile(dir, nextConfigs); f != "" {
			hint = fmt.Sprintf(` (a Next.js app: with output: "standalone" in %s, slim init picks the server next build writes, .next/standalone/server.js)`, f)
		}
		if nuxtOther != "" {
			hint = fmt.Sprintf(` (a Nuxt app: %s; with the node-server preset, its default, slim init picks the server nuxt build writes, .output/server/index.mjs)`, nuxtOther)
		}
		return nil, fmt.Errorf(`%s: cannot tell which script starts the app: package.json has no "main" and no "start": "node <file>" script, and there is no %s; choose one with --entrypoint%s`, dir, strings.Join(conventionalScripts[:4], ", "), hint)
	}
	if entry != "" && patterns != nil {
		member = memberOf(dir, d.Path)
	}
	next := d.Path == nextStandalone
	out := findServerOutput(d.Path)
	if pkg.Scripts["build"] != "" {
		d.BuildScript = "build"
		d.BuildNote = "npm run build before the production install (dev dependencies only exist in the builder)"
		if out != nil {
			d.BuildNote = fmt.Sprintf("the framework's build (writes %s) with the dev dependencies, in the builder; the image gets %s alone", out.Dir, out.Dir)
		}
		rel := strings.TrimPrefix(d.Path, member+"/") // in the member: dist/server.js
		if top, _, ok := strings.Cut(rel, "/"); ok && (out != nil || !has(d.Path)) {
			// the entrypoint is a build output (dist/server.js,
			// .next/standalone/server.js, apps/api/dist/server.js): a
			// stale local build must not reach the context
			d.Ignore = append(d.Ignore, path.Join(member, top))
		}
	}

	switch {
	case next:
		d.Port, d.PortNote = nextPort, "Next.js's default: the standalone server listens on $PORT, else 3000"
	case d.Path == ".output/server/index.mjs":
		d.Port, d.PortNote = nitroPort, "Nitro's default: the node-server listens on $PORT, else 3000"
	default:
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

// workspaceEntry finds the workspace members that run an app: those with
// a `"start": "node FILE"` script, or whose "main" (else conventional
// server.js, index.js, ...) starts a server (listen, createServer, serve),
// read in the sources when it is a build output. Libraries, jobs and CLIs
// are not candidates. It returns the first by member path and the others
// (several services in one workspace: slim init writes the first and
// lists the others, otherMembersNotes); none is an error naming the
// members.
func workspaceEntry(dir string, patterns []string) (candidate, []candidate, error) {
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
	if len(found) == 0 {
		where := "no workspace member"
		if len(members) > 0 {
			where = "none of the workspace members (" + strings.Join(members, ", ") + ")"
		}
		return candidate{}, nil, fmt.Errorf(`%s: cannot tell which script starts the app: package.json has no "main" and no "start": "node <file>" script, there is no %s, and %s has a "start": "node <file>" script or a main script that starts a server; choose one with --entrypoint (its path from the workspace root, like packages/api/server.js)`, dir, strings.Join(conventionalScripts[:4], ", "), where)
	}
	if len(found) > 1 {
		found[0].note = fmt.Sprintf("%s (the first by path of %d members that start a server: the others are listed at the end)", found[0].note, len(found))
	}
	return found[0], found[1:], nil
}

// otherMembersNotes are the descriptor's comment lines for the workspace
// members of the workspace in dir that start a server besides the chosen
// one c: each entrypoint with the port its code shows, and how to build it
// (the SLIM_ENTRYPOINT build arg with this file, entrypoint changed here,
// or slim init --force --entrypoint). None when others is empty.
func otherMembersNotes(dir string, c candidate, others []candidate) []string {
	if len(others) == 0 {
		return nil
	}
	notes := []string{fmt.Sprintf("# Other workspace members start a server too (this file builds %s):", c.member)}
	for _, o := range others {
		line := "#   " + o.path
		if port, _ := presets.FindPort(dir, sourceFiles(dir, o.member, o.path)); port != 0 {
			line += fmt.Sprintf("   (its default port: %d)", port)
		}
		notes = append(notes, line)
	}
	o := others[0]
	return append(notes,
		"# This slim.toml builds each of them too (PORT is set from port above):",
		fmt.Sprintf("#   docker buildx build -f slim.toml --build-arg SLIM_ENTRYPOINT=%s -t %s .", o.path, path.Base(o.member)),
		fmt.Sprintf("# or pick one here: entrypoint above, or slim init --force --entrypoint %s", o.path))
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
