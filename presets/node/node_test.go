package node

import (
	"strings"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/presettest"
)

var (
	amd64 = presettest.Amd64
	h     = presettest.Harness{Language: "node", Preset: New()}
)

const expressApp = `# syntax=org/slimfront
language   = "node"
entrypoint = "dist/server.js"
deps       = ["package.json", "package-lock.json"]
port       = 3000
preset     = "%s"

[build]
script = "build"
`

const helloApp = `language   = "node"
entrypoint = "server.js"
deps       = ["package.json", "%s"]
preset     = "%s"
`

// Golden plans: every base with npm and a build script (express), and the
// yarn, pnpm and bun lockfiles without one. Alpine has no faithful stand-in in
// hack/env, so these plans are its only test.
func TestPlansMatchGolden(t *testing.T) {
	cases := map[string]string{}
	for _, base := range New().Bases() {
		cases[base] = presettest.WithBase(expressApp, base)
	}
	cases["yarn-scratch"] = strings.NewReplacer("%s", "yarn.lock").Replace(strings.Replace(helloApp, `"%s"
`, `"scratch"
`, 1))
	cases["pnpm-alpine"] = strings.NewReplacer("%s", "pnpm-lock.yaml").Replace(strings.Replace(helloApp, `"%s"
`, `"alpine"
`, 1))
	cases["bun-distroless"] = strings.NewReplacer("%s", "bun.lock").Replace(strings.Replace(helloApp, `"%s"
`, `"distroless"
`, 1))
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			presettest.Golden(t, name, h.Plan(t, src))
		})
	}
}

func describeSteps(s llbgen.Stage) []string {
	var out []string
	for _, st := range s.Steps {
		out = append(out, llbgen.Describe(st))
	}
	return out
}

func TestDependenciesInstallFromTheLockfileBeforeSources(t *testing.T) {
	p := h.Plan(t, presettest.WithBase(expressApp, "distroless"))
	dev := describeSteps(presettest.Stage(t, p, "dev-deps"))
	if dev[0] != "COPY package.json package-lock.json /app/" || !strings.HasSuffix(dev[len(dev)-1], "npm ci") {
		t.Errorf("dev-deps steps %q", dev)
	}
	prod := describeSteps(presettest.Stage(t, p, "deps"))
	if !strings.HasSuffix(prod[len(prod)-1], "npm ci --omit=dev") {
		t.Errorf("deps steps %q", prod)
	}
	bld := describeSteps(presettest.Stage(t, p, "build"))
	if bld[0] != "COPY . /app/" || bld[1] != "RUN npm run build" {
		t.Errorf("build steps %q", bld)
	}
	// the production install does not depend on the sources or the build
	if presettest.Stage(t, p, "deps").Base.Stage != "toolchain" {
		t.Error("production deps must not build on the build stage")
	}
}

func TestFinalImageHasNodeButNoPackageManager(t *testing.T) {
	for _, base := range New().Bases() {
		p := h.Plan(t, presettest.WithBase(expressApp, base))
		final := presettest.Final(t, p)
		for _, st := range final.Steps {
			if st.Run != nil {
				t.Errorf("%s: final stage runs %q", base, st.Run.Argv)
			}
			if c := st.Copy; c != nil {
				for _, src := range c.Src {
					if strings.Contains(src, "node_modules/npm") || strings.Contains(src, "yarn") || src == "/usr/local/lib/node_modules" {
						t.Errorf("%s: final copies %s", base, src)
					}
				}
				if c.From == "dev-deps" {
					t.Errorf("%s: final copies from the dev dependencies", base)
				}
			}
		}
		want := []string{"/nodejs/bin/node", "--require", signalsFile, "/app/dist/server.js"}
		if strings.Join(p.Image.Entrypoint, " ") != strings.Join(want, " ") {
			t.Errorf("%s: entrypoint %q", base, p.Image.Entrypoint)
		}
		if p.Image.User != "65532:65532" {
			t.Errorf("%s: user %q", base, p.Image.User)
		}
	}
}

func TestVersionPicksTheMajor(t *testing.T) {
	src := "language = \"node\"\nentrypoint = \"a.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\nversion = \"24\"\n"
	p := h.Plan(t, src+"preset = \"distroless\"\n")
	if p.Stages[0].Base.Image != "node:24-trixie" || presettest.Final(t, p).Base.Image != "gcr.io/distroless/nodejs24-debian13:nonroot" {
		t.Errorf("images %q / %q", p.Stages[0].Base.Image, presettest.Final(t, p).Base.Image)
	}
	p = h.Plan(t, src+"preset = \"alpine\"\n")
	if p.Stages[0].Base.Image != "node:24-alpine3.22" {
		t.Errorf("alpine builder %q", p.Stages[0].Base.Image)
	}
}

func TestBadInputIsALocatedError(t *testing.T) {
	cases := []struct{ src, want string }{
		{"language = \"node\"\nentrypoint = \"a.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\nversion = \"20\"\n", `slim.toml:4:1: version: Node version "20" is not supported; valid: 22, 24`},
		{"language = \"node\"\nentrypoint = \"a.js\"\ndeps = [\"package.json\"]\n", "slim.toml:3:1: deps: no lockfile in deps"},
		{"language = \"node\"\nentrypoint = \"a.js\"\ndeps = [\"package.json\", \"yarn.lock\", \"package-lock.json\"]\n", "several package managers"},
	}
	for _, c := range cases {
		_, err := New().Plan(h.Parse(t, c.src), presets.Target{Build: amd64, Platform: amd64})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.src, err, c.want)
		}
	}
}

func TestChecksNameTheEntrypointAndLockfile(t *testing.T) {
	p := h.Plan(t, "language = \"node\"\nentrypoint = [\"server.js\", \"--port\", \"1\"]\ndeps = [\"package-lock.json\"]\npreset = \"distroless\"\n")
	var got []string
	for _, c := range p.Checks {
		got = append(got, c.Key+"="+c.Path)
	}
	want := "entrypoint=server.js deps[0]=package-lock.json deps=package.json"
	if strings.Join(got, " ") != want {
		t.Errorf("checks %q, want %q", got, want)
	}
	if e := p.Image.Entrypoint; e[len(e)-2] != "--port" {
		t.Errorf("entrypoint %q keeps no arguments", e)
	}
	// with a build script the entrypoint may be a build output
	p = h.Plan(t, presettest.WithBase(expressApp, "scratch"))
	for _, c := range p.Checks {
		if c.Key == "entrypoint" {
			t.Errorf("entrypoint checked in the context although a build script makes it: %+v", c)
		}
	}
}

func TestSignalPreloadExitsOnlyWithoutAppHandler(t *testing.T) {
	for _, want := range []string{"process.listenerCount(sig) === 1", "SIGTERM", "process.exit(code)"} {
		if !strings.Contains(signalsJS, want) {
			t.Errorf("signals preload lacks %q", want)
		}
	}
}
