package e2e

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"testing"
)

// forbiddenShells must not exist in scratch and distroless images.
var forbiddenShells = []string{"bin/sh", "usr/bin/sh", "bin/bash", "usr/bin/bash", "bin/ash", "bin/dash", "usr/bin/dash"}

// TestGoExamplesRunOnEveryPreset builds every Go example with every preset
// (selected with the SLIM_PRESET build arg) and checks the image: non-root
// user, size budget, no shell where there must be none, and that it serves
// its expected answer as uid 65532.
func TestGoExamplesRunOnEveryPreset(t *testing.T) {
	requireEnv(t)
	for _, ex := range goExamples(t) {
		for _, preset := range presets {
			t.Run(ex+"/"+preset, func(t *testing.T) {
				t.Parallel()
				exampleOnPreset(t, ex, preset)
			})
		}
	}
}

func exampleOnPreset(t *testing.T, example, preset string) {
	e := loadExpect(t, repoPath("examples", example))
	dir := copyExample(t, example)
	im, tarPath := buildPresetImage(t, dir, preset)
	checkSize(t, im, e, preset)
	switch preset {
	case "scratch", "distroless":
		checkNoShell(t, im)
	case "alpine":
		if !im.Has("etc/alpine-release") && !im.Has("lib/apk/db/installed") {
			t.Errorf("preset alpine: image has neither etc/alpine-release nor lib/apk/db/installed; was SLIM_PRESET ignored?")
		}
	}
	if t.Failed() {
		return
	}

	c := runImage(t, tarPath)
	c.checkServes(t, e)
	c.checkUID(t)
}

func checkUser(t *testing.T, im *ociImage) {
	t.Helper()
	if u := im.Config.Config.User; u != "65532" && u != "65532:65532" {
		t.Errorf("config User = %q, want 65532 or 65532:65532", u)
	}
}

// checkEntrypoint checks that the image's entrypoint (or cmd) names a file
// present in the layers.
func checkEntrypoint(t *testing.T, im *ociImage) {
	t.Helper()
	argv := append(append([]string{}, im.Config.Config.Entrypoint...), im.Config.Config.Cmd...)
	if len(argv) == 0 {
		t.Errorf("image has neither Entrypoint nor Cmd")
		return
	}
	bin := argv[0]
	if !path.IsAbs(bin) {
		t.Logf("entrypoint %q is not absolute; not checking it is in the layers", bin)
		return
	}
	if p := strings.TrimPrefix(path.Clean(bin), "/"); !im.Has(p) {
		t.Errorf("entrypoint %s is not in any layer", bin)
	}
}

func checkSize(t *testing.T, im *ociImage, e expectation, preset string) {
	t.Helper()
	size := im.UncompressedSize()
	budget, ok := e.SizeBudget[preset]
	t.Logf("uncompressed size of %d layer(s): %d bytes (%.2f MiB), budget %d bytes (%.2f MiB)",
		len(im.Layers), size, float64(size)/(1<<20), budget, float64(budget)/(1<<20))
	for i, l := range im.Layers {
		t.Logf("  layer %d: %d bytes, %d entries, %s", i, l.Uncompressed, len(l.Files), l.MediaType)
	}
	if !ok {
		t.Errorf("expect.json has no size_budget_bytes for preset %q", preset)
		return
	}
	if size > budget {
		t.Errorf("image is %d bytes uncompressed, over the %s budget of %d bytes; biggest files:\n%s",
			size, preset, budget, biggestFiles(im, 10))
	}
}

func checkNoShell(t *testing.T, im *ociImage) {
	t.Helper()
	for i, l := range im.Layers {
		for name := range l.Files {
			forbidden := path.Base(name) == "busybox"
			for _, sh := range forbiddenShells {
				forbidden = forbidden || name == sh
			}
			if forbidden {
				t.Errorf("layer %d contains %s; scratch/distroless images must have no shell", i, name)
			}
		}
	}
}

func biggestFiles(im *ociImage, n int) string {
	type entry struct {
		name string
		size int64
	}
	var all []entry
	for _, l := range im.Layers {
		for name, size := range l.Files {
			all = append(all, entry{name, size})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].size > all[j].size })
	var b strings.Builder
	for i := 0; i < len(all) && i < n; i++ {
		fmt.Fprintf(&b, "  %10d %s\n", all[i].size, all[i].name)
	}
	return b.String()
}

// buildPresetImage builds the example copy in dir on preset through buildx,
// checks what every image must have (one image, user 65532, an entrypoint)
// and returns it with the path of its OCI tar.
func buildPresetImage(t *testing.T, dir, preset string) (*ociImage, string) {
	t.Helper()
	tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+preset)
	images, err := readOCIImages(tarPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 {
		t.Fatalf("want 1 image in the single-platform build, got %d", len(images))
	}
	im := images[0]
	t.Logf("platform %s, entrypoint %q, cmd %q, user %q", im.Platform, im.Config.Config.Entrypoint, im.Config.Config.Cmd, im.Config.Config.User)
	checkUser(t, im)
	checkEntrypoint(t, im)
	return im, tarPath
}
