package node

import (
	"path"

	"github.com/slimfront/slimfront/llbgen"
)

// serverOutput is what a framework's build writes when it emits a
// self-contained server: a directory holding the server script and the
// node_modules its bundler traced, so the image needs neither a production
// install nor the project's node_modules (where the framework's compiler,
// bundler and their native binaries live).
//
// The entrypoint identifies it: the server script's path, relative to the
// app root, is the one the framework writes (slim init reads the
// framework's config to choose it). The image gets Dir whole (through the
// closure: its node_modules are the dependency tree, foreign prebuilds
// dropped and trimmed) and each Place copied from the build stage to where
// the server reads it.
type serverOutput struct {
	// Framework names it in step reasons and errors ("Next.js standalone").
	Framework string
	// Entry is the server script the build writes, relative to the app root.
	Entry string
	// Dir is the self-contained directory that holds Entry.
	Dir string
	// Setting is the configuration that makes the build write Entry, for
	// the error when it is missing after the build.
	Setting string
	// Place are the build outputs the build leaves out of Dir that the
	// server expects inside it.
	Place []placement
}

// placement copies a build output (Src, relative to the app root) to where
// the server expects it (Dest, relative to the app root).
type placement struct {
	Src, Dest string
	// Optional is set for a directory the app may not have (public/).
	Optional bool
	Reason   string
}

// serverOutputs are the self-contained servers slimfront ships alone.
//
// Next.js, output: "standalone"
// (https://nextjs.org/docs/app/api-reference/config/next-config-js/output):
// .next/standalone/server.js with the node_modules next traced; next build
// leaves .next/static (the browser's JS and CSS) and public/ out of it,
// "copied manually" per the docs, beside server.js.
//
// Nitro's node-server preset, Nuxt's default
// (https://nitro.build/deploy/runtimes/node,
// https://nuxt.com/docs/getting-started/deployment): .output/server/index.mjs
// with its traced node_modules in .output/server/node_modules and the
// browser assets and public/ files in .output/public, which the server
// serves itself: nothing to place. Nitro listens on $PORT (else
// $NITRO_PORT, 3000) on every interface unless HOST/NITRO_HOST is set.
var serverOutputs = []serverOutput{{
	Framework: "Next.js standalone",
	Entry:     ".next/standalone/server.js",
	Dir:       ".next/standalone",
	Setting:   `next build writes it only with output: "standalone" in next.config`,
	Place: []placement{
		{Src: ".next/static", Dest: ".next/standalone/.next/static", Reason: "next build's browser assets (JS chunks, CSS) beside the standalone server"},
		{Src: "public", Dest: ".next/standalone/public", Optional: true, Reason: "public/ beside the standalone server (served at /), when the app has one"},
	},
}, {
	Framework: "Nuxt (Nitro node-server)",
	Entry:     ".output/server/index.mjs",
	Dir:       ".output",
	Setting:   `nuxt build writes it with Nitro's node-server preset, the default; nitro.preset in nuxt.config or NITRO_PRESET for another host writes something else`,
}}

// findServerOutput returns the self-contained server whose Entry is script,
// or nil.
func findServerOutput(script string) *serverOutput {
	for i := range serverOutputs {
		if serverOutputs[i].Entry == script {
			return &serverOutputs[i]
		}
	}
	return nil
}

// placeSteps are the final image's copies of o's Place from the build
// stage, at the entrypoint's key (a missing required output is a build
// error at that line).
func (o *serverOutput) placeSteps() []llbgen.Step {
	var steps []llbgen.Step
	for _, p := range o.Place {
		src := appDir + "/" + p.Src + "/"
		if p.Optional {
			// a one-character class matches the directory when it exists
			// and nothing, without an error, when it does not
			d, b := path.Split(p.Src)
			src = appDir + "/" + d + b[:len(b)-1] + "[" + b[len(b)-1:] + "]"
		}
		steps = append(steps, llbgen.Step{Reason: p.Reason, Key: "entrypoint",
			Copy: &llbgen.Copy{From: "build", Src: []string{src}, Dest: appDir + "/" + p.Dest + "/", AllowMiss: p.Optional}})
	}
	return steps
}

// entryCheckJS fails the build stage, after the build script, when the
// entrypoint is not there (argv: the script relative to /app, the build
// script's name, a hint for a framework's server output or ""): an image
// whose entrypoint does not exist cannot start.
const entryCheckJS = `const [script, build, hint] = process.argv.slice(1);
if (!require('fs').existsSync(script)) {
  console.error('slimfront: error: entrypoint: ' + script + ' does not exist after the build script "' + build + '" ran' + (hint ? ': ' + hint : '') + '; valid: a file of the sources or one the build writes');
  process.exit(2);
}`

// entryCheckStep is the build stage's last step: entryCheckJS for the
// script, with o's Setting as the hint when the script is o's Entry.
func entryCheckStep(script, build string, o *serverOutput) llbgen.Step {
	hint := ""
	if o != nil {
		hint = o.Framework + ": " + o.Setting
	}
	return llbgen.Step{Reason: "the entrypoint exists after the build (no image whose entrypoint is missing)", Key: "entrypoint",
		Run: &llbgen.Run{Argv: []string{"node", "-e", entryCheckJS, script, build, hint}, Network: llbgen.NetNone}}
}
