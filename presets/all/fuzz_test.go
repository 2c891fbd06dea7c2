package all

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
)

// fakeImages resolves every base image without a registry, like the
// frontend's imageSource would, with a typical base config.
type fakeImages struct{}

func (fakeImages) Image(_ context.Context, ref string, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error) {
	img := &dockerspec.DockerOCIImage{}
	img.Platform = p
	img.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	img.Config.User = "0"
	img.Config.WorkingDir = "/"
	img.History = []ocispecs.History{{CreatedBy: "base layer"}}
	return llb.Image(ref+"@sha256:"+strings.Repeat("a", 64), llb.Platform(p)), img, nil
}

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

// fuzzSeeds are descriptors that reach the presets (valid ones, with every
// table) and ones that stop in the parser, besides examples/*/slim.toml.
var fuzzSeeds = []string{
	"language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\n",
	"language = \"go\"\nentrypoint = \"./cmd/server\"\ndeps = [\"go.mod\", \"go.sum\"]\npreset = \"alpine\"\nversion = \"1.26\"\nport = 8080\nuser = \"1000:1000\"\nworkdir = \"/srv\"\nsize_budget = \"20MB\"\n" +
		"[env]\nGIN_MODE = \"release\"\n[build]\npackages = [\"libsqlite3-dev\"]\nsecrets = [\"netrc\", \"tok\"]\nssh = true\n[build.env]\nCGO_ENABLED = \"1\"\n[run]\ninclude = [\"templates/\", \"config.yaml\"]\n",
	"language = \"go\"\nentrypoint = \".\"\nbuild.script = \"make\"\nrun.packages = [\"tzdata\"]\n",
	"language = \"python\"\nentrypoint = [\"gunicorn\", \"app:app\"]\ndeps = [\"requirements.txt\"]\npreset = \"alpine\"\n[run]\ninclude = [\"templates/\"]\npackages = [\"libpq5\"]\n",
	"language = \"python\"\nentrypoint = \"app.py\"\nversion = \"3.12\"\npreset = \"scratch\"\n",
	"language = \"python\"\nentrypoint = \"pkg/\"\ndeps = [\"pyproject.toml\", \"uv.lock\"]\n",
	"language = \"node\"\nentrypoint = \"server.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\npreset = \"alpine\"\nversion = \"22\"\n[build]\nscript = \"build\"\n",
	"language = \"node\"\nentrypoint = [\"node\", \"dist/index.js\"]\ndeps = [\"package.json\", \"yarn.lock\"]\nuser = \"0\"\n",
	"language = \"node\"\nentrypoint = \"server.js\"\ndeps = [\"package.json\", \"pnpm-lock.yaml\"]\npreset = \"scratch\"\n[build.env]\nnpm_config_build_from_source = \"true\"\n",
	"language = \"go\"\nentrypoint = \"../x\"\ndeps = [\"/a\", \"\", 3]\n",
	"language = \"go\"\nentrypoint = [\"/app\"]\n",
	"language = \"Go\"\npreset = \"distrolss\"\nentrypiont = 1\n",
	"port = 80\nport = 81\n",
	"[build]\n[build]\n",
	"",
	"\x00\x01\xfe\xff",
}

// FuzzPlan drives the whole descriptor → Plan → LLB pipeline the frontend
// runs (Registry.Load: parse, defaults, Plan for linux/amd64 and linux/arm64 targets
// built on linux/amd64, Validate, Render with a fake image source, Marshal)
// on arbitrary slim.toml bytes and SLIM_PRESET/SLIM_VERSION build args:
//
//   - nothing panics;
//   - every user error is a *descriptor.Error whose problems have a message
//     and a slim.toml location, unless the key is not in the file at all
//     (a build-arg override or a defaulted key);
//   - a Plan that the presets return is internally consistent (Validate),
//     renders and marshals: any failure there is a preset bug, never the
//     user's fault, so it fails the fuzz;
//   - every path check names a key located in the file, so a missing file
//     is reported at its line.
//
// go test ./presets/all -run '^$' -fuzz FuzzPlan -fuzztime 60s
func FuzzPlan(f *testing.F) {
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*", "slim.toml"))
	for _, p := range examples {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "", "")
		f.Add(b, "alpine", "")
		f.Add(b, "scratch", "1.99")
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "", "")
	}
	f.Add([]byte(fuzzSeeds[0]), "nope", "1.9")
	f.Add([]byte(fuzzSeeds[3]), "distroless", "3.99")
	f.Add([]byte(fuzzSeeds[6]), "scratch", "18")

	reg := Registry()
	f.Fuzz(func(t *testing.T, src []byte, preset, version string) {
		defer notTooSlow(t, time.Now(), len(src))
		loaded, err := reg.Load(presets.Request{File: "slim.toml", Source: src, BuildArgs: buildArgs(preset, version),
			Build: amd64, Targets: []ocispecs.Platform{amd64, arm64}})
		if err != nil {
			checkUserError(t, parsedOrNil(reg, src, preset, version), "Load", err)
			return
		}
		for i, plan := range loaded.Plans {
			checkPlan(t, loaded.App, plan, loaded.Targets[i].Platform)
		}
	})
}

// FuzzPlanValues is FuzzPlan for the values: the fuzzer picks the language
// and every key's value, and the test writes them as well-formed TOML, so
// mutations reach the presets and llbgen instead of stopping at the TOML
// parser (raw-byte mutants of a valid descriptor are mostly syntax errors).
//
// go test ./presets/all -run '^$' -fuzz FuzzPlanValues -fuzztime 60s
func FuzzPlanValues(f *testing.F) {
	f.Add(uint8(0), ".", "go.mod", "scratch", "", "", "", int64(8080), "", "GIN_MODE", "release", "", "", "", false, "")
	f.Add(uint8(0), "./cmd/server", "go.sum", "alpine", "1.25", "1000:1000", "/srv", int64(80), "libsqlite3-dev", "CGO_ENABLED", "1", "templates/", "", "netrc", true, "arm64")
	f.Add(uint8(1), "app.py", "requirements.txt", "distroless", "3.13", "", "", int64(8000), "git", "PYTHONUNBUFFERED", "1", "static/", "", "", false, "")
	f.Add(uint8(1), "pkg/", "pyproject.toml", "alpine", "3.12", "0", "/app", int64(1), "gcc", "X", "", "", "", "pip", false, "")
	f.Add(uint8(2), "server.js", "package-lock.json", "distroless", "22", "", "", int64(3000), "python3", "NODE_ENV", "production", "public/", "build", "npmrc", false, "")
	f.Add(uint8(2), "dist/index.js", "yarn.lock", "scratch", "24", "65532", "/", int64(65535), "", "npm_config_build_from_source", "true", "", "build", "", true, "arm64")
	reg := Registry()
	langs := []string{"go", "python", "node"}
	f.Fuzz(func(t *testing.T, lang uint8, entry, dep, preset, version, user, workdir string, port int64,
		pkg, envK, envV, include, script, secret string, ssh bool, arch string) {
		defer notTooSlow(t, time.Now(), 0)
		var b strings.Builder
		kv := func(k, v string) {
			if v != "" {
				b.WriteString(k + " = " + descriptor.Quote(v) + "\n")
			}
		}
		b.WriteString("language = " + descriptor.Quote(langs[int(lang)%len(langs)]) + "\n")
		kv("entrypoint", entry)
		if dep != "" {
			b.WriteString("deps = [" + descriptor.Quote(dep) + "]\n")
		}
		kv("user", user)
		kv("workdir", workdir)
		if port != 0 {
			b.WriteString("port = " + strconv.FormatInt(port, 10) + "\n")
		}
		if envK != "" {
			b.WriteString("env = {" + descriptor.Quote(envK) + " = " + descriptor.Quote(envV) + "}\n")
		}
		b.WriteString("[build]\n")
		kv("script", script)
		if pkg != "" {
			b.WriteString("packages = [" + descriptor.Quote(pkg) + "]\n")
		}
		if secret != "" {
			b.WriteString("secrets = [" + descriptor.Quote(secret) + "]\n")
		}
		b.WriteString("ssh = " + strconv.FormatBool(ssh) + "\n")
		if include != "" {
			b.WriteString("[run]\ninclude = [" + descriptor.Quote(include) + "]\n")
		}
		src := []byte(b.String())
		target := amd64
		if arch == "arm64" {
			target = arm64
		}
		loaded, err := reg.Load(presets.Request{File: "slim.toml", Source: src, BuildArgs: buildArgs(preset, version),
			Build: amd64, Targets: []ocispecs.Platform{target}})
		if err != nil {
			checkUserError(t, parsedOrNil(reg, src, preset, version), "Load", err)
			return
		}
		checkPlan(t, loaded.App, loaded.Plans[0], target)
	})
}

// notTooSlow fails an input that took more than 10 s (typical: 1 ms): a
// descriptor must not be able to stall the frontend.
func notTooSlow(t *testing.T, start time.Time, size int) {
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("one input took %s (%d bytes)", d, size)
	}
}

// checkUserError fails unless err is a *descriptor.Error with well-formed
// problems: a message, and a location whenever the key is in the file.
func checkUserError(t *testing.T, app *descriptor.App, where string, err error) {
	t.Helper()
	var de *descriptor.Error
	if !errors.As(err, &de) {
		t.Fatalf("%s: error %T is not a *descriptor.Error: %v", where, err, err)
	}
	if len(de.Problems) == 0 {
		t.Fatalf("%s: *descriptor.Error without problems", where)
	}
	if de.Error() == "" {
		t.Fatalf("%s: empty error message", where)
	}
	for _, p := range de.Problems {
		if p.Msg == "" {
			t.Fatalf("%s: problem without a message: %+v", where, p)
		}
		if p.Range.Start.Line > 0 {
			if p.Range.Start.Col < 1 {
				t.Fatalf("%s: problem with a line but no column: %+v", where, p)
			}
			continue
		}
		// No location: only allowed for build-arg overrides, and (after
		// Parse) for keys that are not in the file at all.
		if strings.HasPrefix(p.Msg, "build arg SLIM_") {
			continue
		}
		if app != nil && p.Key != "" && !locatable(app, p.Key) {
			continue
		}
		t.Fatalf("%s: problem without a location: %+v\n%s", where, p, de)
	}
}

// locatable reports whether key or an enclosing key is in the file.
func locatable(app *descriptor.App, key string) bool {
	for k := key; k != ""; {
		if _, ok := app.Range(k); ok {
			return true
		}
		i := strings.LastIndexAny(k, ".[")
		if i <= 0 {
			break
		}
		k = k[:i]
	}
	return false
}

func checkPlan(t *testing.T, app *descriptor.App, plan llbgen.Plan, target ocispecs.Platform) {
	t.Helper()
	if err := llbgen.Validate(plan); err != nil {
		t.Fatalf("preset bug: invalid plan for %s: %v\n%s", target.Architecture, err, app.Source)
	}
	for _, c := range plan.Checks {
		if c.Path == "" || strings.HasPrefix(c.Path, "/") || c.Path == ".." || strings.HasPrefix(c.Path, "../") {
			t.Fatalf("path check %+v escapes the context\n%s", c, app.Source)
		}
		if !locatable(app, c.Key) {
			if c.Key == "deps" && len(app.Deps) == 0 {
				// Known bug (see the bad input catalogue case
				// deps_default_file_missing): the python and node presets
				// check their default dependency file under key "deps"
				// when the file has no deps key, so the error has no line.
				continue
			}
			t.Fatalf("path check %+v names key %q, which is not in the file: a missing path would be reported without a line\n%s", c, c.Key, app.Source)
		}
	}
	epoch := time.Unix(1700000000, 0).UTC()
	ctx := context.Background()
	res, err := llbgen.Render(ctx, plan, llbgen.Options{
		BuildPlatform:  amd64,
		TargetPlatform: target,
		Context:        llb.Local("context", llb.LocalUniqueID("fuzz")),
		Images:         fakeImages{},
		SourceMap:      llb.NewSourceMap(nil, "slim.toml", "toml", app.Source),
		Locate: func(key string) *pb.Range { // like the frontend's locator
			r, ok := app.Range(key)
			if !ok || r.Start.Line < 1 {
				return nil
			}
			return &pb.Range{Start: &pb.Position{Line: int32(r.Start.Line), Character: int32(r.Start.Col)},
				End: &pb.Position{Line: int32(max(r.End.Line, r.Start.Line)), Character: int32(r.End.Col)}}
		},
		CacheNS: "fuzz",
		Epoch:   &epoch,
	})
	if err != nil {
		t.Fatalf("preset bug: Render failed for %s: %v\n%s", target.Architecture, err, app.Source)
	}
	if res.Image == nil {
		t.Fatal("Render returned no image config")
	}
	if _, err := res.State.Marshal(ctx, llb.Platform(target)); err != nil {
		t.Fatalf("Marshal failed for %s: %v\n%s", target.Architecture, err, app.Source)
	}
	for name, st := range res.Stages {
		if _, err := st.Marshal(ctx, llb.Platform(target)); err != nil {
			t.Fatalf("Marshal of stage %s failed: %v", name, err)
		}
	}
}

// buildArgs are the SLIM_PRESET/SLIM_VERSION build args for a fuzz input.
func buildArgs(preset, version string) map[string]string {
	return map[string]string{presets.BuildArgFor("preset"): preset, presets.BuildArgFor("version"): version}
}

// parsedOrNil is the descriptor as parsed when it parses (so a planning
// error can be checked against the file's key ranges), else nil.
func parsedOrNil(reg *presets.Registry, src []byte, preset, version string) *descriptor.App {
	app, err := descriptor.Parse("slim.toml", src, reg.Options(presets.Overrides(buildArgs(preset, version))))
	if err != nil {
		return nil
	}
	return app
}
