package presets_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/presettest"
)

func TestDirFilesStaysInTheContext(t *testing.T) {
	dir := presettest.Tree(t, map[string]string{".python-version": "3.11\n", "sub/x": ""})
	files := presets.DirFiles(dir)
	if b, err := files(".python-version"); err != nil || string(b) != "3.11\n" {
		t.Errorf(".python-version: %q %v", b, err)
	}
	for _, name := range []string{"missing", "sub", "../etc/passwd", "/etc/passwd"} {
		if _, err := files(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: err %v, want not exist", name, err)
		}
	}
}
