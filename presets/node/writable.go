package node

import (
	"slices"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
)

// writableContents is the Node side of `[run] writable`: presets.Registry
// creates each directory, owned by the runtime user, before the sources
// are copied, so the directory stays the user's; what the sources put in
// it (a seed database, a .gitkeep) must be the user's too. It returns
// sources, the step copying the app into the image (from the context or
// the build stage), without those directories, followed by one step that
// copies them from the same place with the user as owner. Without
// writable directories it returns sources alone.
func writableContents(app *descriptor.App, sources llbgen.Step) []llbgen.Step {
	if len(app.Run.Writable) == 0 || sources.Copy == nil {
		return []llbgen.Step{sources}
	}
	src := *sources.Copy
	src.Exclude = slices.Concat(src.Exclude, app.Run.Writable)
	sources.Copy = &src
	c := &llbgen.Copy{From: src.From, Src: src.Src, Dest: src.Dest, Include: slices.Clone(app.Run.Writable), Chown: presets.UserString(app)}
	return []llbgen.Step{sources, {
		Reason: "what the sources put in the [run] writable directories, owned by the runtime user",
		Key:    "run.writable",
		Copy:   c,
	}}
}
