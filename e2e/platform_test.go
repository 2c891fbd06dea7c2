package e2e

import (
	"bytes"
	"debug/elf"
	"path"
	"sort"
	"strings"
	"testing"
)

// TestMultiPlatformBuildProducesNativeBinaries builds go-hello for amd64 and
// arm64 at once and checks each platform's binary is an ELF for that machine.
func TestMultiPlatformBuildProducesNativeBinaries(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := copyExample(t, "go-hello")
	tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml",
		"--platform", "linux/amd64,linux/arm64", "--build-arg", "SLIM_PRESET=scratch")

	// Keep the contents of big files only: the binary is the largest one.
	images, err := readOCIImages(tarPath, func(_ string, size int64) bool { return size > 512<<10 })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}
	var got []string
	for _, im := range images {
		got = append(got, im.Platform)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "linux/amd64,linux/arm64" {
		t.Fatalf("platforms in the index = %v, want linux/amd64 and linux/arm64", got)
	}
	for _, im := range images {
		checkUser(t, im)
		name, content := largestFile(im)
		if content == nil {
			t.Errorf("%s: no file over 512 KiB in the layers; biggest files:\n%s", im.Platform, biggestFiles(im, 5))
			continue
		}
		if ep := im.Config.Config.Entrypoint; len(ep) > 0 && strings.TrimPrefix(path.Clean(ep[0]), "/") != name {
			t.Logf("%s: largest file %s is not the entrypoint %s", im.Platform, name, ep[0])
		}
		f, err := elf.NewFile(bytes.NewReader(content))
		if err != nil {
			t.Errorf("%s: largest file %s is not an ELF binary: %v", im.Platform, name, err)
			continue
		}
		t.Logf("%s: %s (%d bytes) is ELF %s", im.Platform, name, len(content), f.Machine)
		if f.Machine != want[im.Platform] {
			t.Errorf("%s: %s is built for %s, want %s", im.Platform, name, f.Machine, want[im.Platform])
		}
	}
}

// largestFile returns the largest regular file kept while reading im.
func largestFile(im *ociImage) (string, []byte) {
	var name string
	var content []byte
	for _, l := range im.Layers {
		for n, c := range l.Kept {
			if len(c) > len(content) {
				name, content = n, c
			}
		}
	}
	return name, content
}
