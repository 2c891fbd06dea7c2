package e2e

import (
	"path"
	"sort"
	"strings"
	"testing"
)

// checkNoDanglingLinks fails for every symbolic link under app/ (the
// workspace links npm, Yarn and pnpm make: node_modules/@ws/lib ->
// ../../libs/lib, pnpm's store links) whose target, followed through
// other links, is not in the image.
func checkNoDanglingLinks(t *testing.T, im *ociImage) {
	t.Helper()
	files, links := map[string]bool{}, map[string]string{}
	for _, l := range im.Layers {
		for name := range l.Files {
			files[name] = true
		}
		for name, target := range l.Links {
			links[name] = target
		}
	}
	var dangling []string
	n := 0
	for name, target := range links {
		if !strings.HasPrefix(name, "app/") {
			continue
		}
		n++
		// ociLayer.Links also has hard links, whose target is a path from
		// the root of the image (node-gyp's build/Release/*.node)
		if _, ok := resolveInImage(name, files, links); !ok && !files[strings.TrimPrefix(path.Clean("/"+target), "/")] {
			dangling = append(dangling, name+" -> "+target)
		}
	}
	sort.Strings(dangling)
	if len(dangling) > 0 {
		t.Errorf("%d of %d links under /app point at nothing in the image: %s", len(dangling), n, strings.Join(dangling, ", "))
	} else {
		t.Logf("%d links under /app, all resolve", n)
	}
}

// resolveInImage follows the symbolic link name (and links among its
// target's parents) through the image's links and reports the path it
// ends at and whether that path is in files.
func resolveInImage(name string, files map[string]bool, links map[string]string) (string, bool) {
	p := name
	for hops := 0; hops < 40; hops++ {
		target, ok := links[p]
		if !ok {
			// a parent directory may itself be a link: resolve the first one
			parts := strings.Split(p, "/")
			moved := false
			for i := 1; i < len(parts); i++ {
				dir := strings.Join(parts[:i], "/")
				if t, ok := links[dir]; ok {
					p = path.Join(linkTarget(dir, t), strings.Join(parts[i:], "/"))
					moved = true
					break
				}
			}
			if !moved {
				return p, files[p]
			}
			continue
		}
		p = linkTarget(p, target)
	}
	return p, false // a loop
}

// linkTarget is the image path a link at name with target points at.
func linkTarget(name, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean("/"+path.Join(path.Dir(name), target)), "/")
}

// TestResolveInImage: the link walk behind checkNoDanglingLinks, on made-up
// layer contents (no environment needed): pnpm-style chains and links
// through linked directories resolve; a link to a member whose files are
// not there, and a loop, do not.
func TestResolveInImage(t *testing.T) {
	files := map[string]bool{"app/libs/fmt": true, "app/libs/fmt/index.js": true, "app/node_modules/.pnpm/ms@2/node_modules/ms": true, "app/node_modules/.pnpm/ms@2/node_modules/ms/index.js": true}
	links := map[string]string{
		"app/web/node_modules/@s/fmt":     "../../../libs/fmt",
		"app/libs/fmt/node_modules/ms":    "../../../node_modules/.pnpm/ms@2/node_modules/ms",
		"app/web/node_modules/@s/ms-main": "fmt/node_modules/ms/index.js", // through the linked directory
		"app/node_modules/@s/tool":        "../../apps/tool",
		"app/a":                           "b",
		"app/b":                           "a",
	}
	for name, want := range map[string]bool{
		"app/web/node_modules/@s/fmt": true, "app/libs/fmt/node_modules/ms": true, "app/web/node_modules/@s/ms-main": true,
		"app/node_modules/@s/tool": false, "app/a": false,
	} {
		if p, ok := resolveInImage(name, files, links); ok != want {
			t.Errorf("resolveInImage(%s) = %s, %v; want resolved=%v", name, p, ok, want)
		}
	}
}
