// Package all assembles the registry of every preset slimfront ships.
package all

import (
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/golang"
	"github.com/slimfront/slimfront/presets/node"
	"github.com/slimfront/slimfront/presets/python"
)

// Presets returns the preset of every supported language, one line each.
// The order is the one `slim init` runs their detectors in and lists the
// languages of an app with several manifests in (presets.Detect): go.mod,
// then Python's manifests, then package.json.
func Presets() []presets.Preset {
	return []presets.Preset{
		golang.New(),
		python.New(),
		node.New(),
	}
}

// Registry returns the presets of every supported language.
func Registry() *presets.Registry {
	return presets.NewRegistry(Presets()...)
}
