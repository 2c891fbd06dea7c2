package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// nodeFrameworkServer is an example whose build writes a self-contained
// server (presets/node/frameworks.go): what its page says, the browser
// assets the page links, files of its public/ directory, and the packages
// that only its build uses.
type nodeFrameworkServer struct {
	example string
	page    string         // text of GET /
	assets  *regexp.Regexp // the CSS and JS files the page links
	public  []string       // public/ files, served at /
	missing string         // a path that answers 404 (Nuxt renders any page path: a missing asset)
	// buildOnly are npm package names ("@next/swc-linux-x64-gnu" matches
	// "@next/swc" as a prefix) that must not be anywhere in the image.
	buildOnly []string
}

var nodeFrameworkServers = []nodeFrameworkServer{{
	example:   "node-next-standalone",
	page:      "today on the menu board",
	assets:    regexp.MustCompile(`/_next/static/[^"'\s]+\.(css|js)`),
	public:    []string{"/plate.svg", "/about.txt"},
	missing:   "/no-such-page",
	buildOnly: []string{"@next/swc", "typescript", "webpack", "@babel/core"},
}, {
	example: "node-nuxt",
	page:    "4 tides today, rendered by Nitro",
	assets:  regexp.MustCompile(`/_nuxt/[^"'\s]+\.(css|js)`),
	public:  []string{"/anchor.svg", "/about.txt"},
	missing: "/_nuxt/no-such-chunk.js",
	buildOnly: []string{"nuxt", "@nuxt/", "nitropack", "vite", "@vitejs/", "esbuild", "@esbuild/", "rolldown", "@rolldown/",
		"rollup", "@rollup/", "@vue/compiler-sfc", "typescript", "oxc-parser", "@oxc-parser/", "@parcel/watcher"},
}}

// TestNodeFrameworkServersServeAssets builds each example whose framework
// writes a self-contained server (Next.js standalone, Nuxt's .output) on
// distroless and scratch and GETs what a browser loads: the page, every
// CSS and JS file it links and public/ files, all 200 (Next.js leaves
// .next/static and public/ out of .next/standalone: they 404 unless the
// image puts them beside server.js; Nitro serves .output/public itself).
// The image, read layer by layer, holds no package that only the build
// uses (next's SWC compiler; nuxt, vite, nitropack, esbuild, rolldown...)
// and no project node_modules; the server listens on all interfaces.
func TestNodeFrameworkServersServeAssets(t *testing.T) {
	requireEnv(t)
	for _, fw := range nodeFrameworkServers {
		for _, preset := range nodePresets {
			t.Run(fw.example+"/"+preset, func(t *testing.T) {
				t.Parallel()
				dir := copyExample(t, fw.example)
				im, tarPath := buildPresetImage(t, dir, preset)
				var found []string
				for _, l := range im.Layers {
					for name := range l.Files {
						if strings.HasPrefix(name, "app/node_modules/") {
							found = append(found, name+" (the project's node_modules)")
						} else if p := npmPackageOf(name); p != "" && hasPrefixAny(p, fw.buildOnly) {
							found = append(found, name+" (build-only package "+p+")")
						}
					}
				}
				if len(found) > 0 {
					t.Errorf("the image has %d files of build-only packages or of the project's node_modules, e.g. %s", len(found), found[0])
				}
				t.Logf("image: %.1f MiB uncompressed", float64(im.UncompressedSize())/(1<<20))
				c := runImage(t, tarPath)
				page := c.get(t, "/")
				if !strings.Contains(page, fw.page) {
					t.Fatalf("GET / = %q, want it to contain %q", page, fw.page)
				}
				assets := fw.assets.FindAllString(page, -1)
				css := 0
				for _, a := range assets {
					if strings.HasSuffix(a, ".css") {
						css++
					}
					if code := nodeStatus(t, c, a); code != http.StatusOK {
						t.Errorf("GET %s (linked from /) = %d, want 200", a, code)
					}
				}
				if css == 0 || len(assets) < 2 {
					t.Errorf("the page links %d assets (%d CSS) matching %s, want CSS and JS:\n%s", len(assets), css, fw.assets, page)
				}
				for _, p := range fw.public {
					if code := nodeStatus(t, c, p); code != http.StatusOK {
						t.Errorf("GET %s (public/) = %d, want 200", p, code)
					}
				}
				if code := nodeStatus(t, c, fw.missing); code != http.StatusNotFound {
					t.Errorf("GET %s = %d, want 404 (the asset checks above must be able to fail)", fw.missing, code)
				}
			})
		}
	}
}

// npmPackageOf returns the npm package ("vite", "@nuxt/kit") a file of an
// image belongs to, from the last node_modules directory in its path, or
// "" outside node_modules.
func npmPackageOf(name string) string {
	i := strings.LastIndex(name, "node_modules/")
	if i < 0 {
		return ""
	}
	parts := strings.SplitN(name[i+len("node_modules/"):], "/", 3)
	if strings.HasPrefix(parts[0], "@") && len(parts) > 1 {
		return parts[0] + "/" + parts[1]
	}
	if strings.HasPrefix(parts[0], ".") {
		return "" // .bin, .pnpm (its entries hold node_modules of their own), .package-lock.json
	}
	return parts[0]
}

// hasPrefixAny reports whether pkg is one of names, or, for a name ending
// in "/" or naming a family ("@next/swc"), starts with it.
func hasPrefixAny(pkg string, names []string) bool {
	for _, n := range names {
		if pkg == n || (strings.HasSuffix(n, "/") && strings.HasPrefix(pkg, n)) || (strings.Contains(n, "/") && strings.HasPrefix(pkg, n+"-")) {
			return true
		}
	}
	return false
}
