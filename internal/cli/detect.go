package cli

import (
	"os"

	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

// detect inspects the app in dir with every registered language's
// detector; lang and entry, when not "", are the user's --language and
// --entrypoint. Its errors are for the user as they are (exit 1).
func detect(dir, lang, entry string) (*presets.Detection, error) {
	return presets.Detect(dir, lang, entry, all.Presets())
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
