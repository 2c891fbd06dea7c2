// Package all assembles the registry of every preset slimfront ships.
package all

import (
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/golang"
	"github.com/slimfront/slimfront/presets/node"
	"github.com/slimfront/slimfront/presets/python"
)

// Registry returns the presets of every supported language.
func Registry() *presets.Registry {
	return presets.NewRegistry(golang.New(), node.New(), python.New())
}
