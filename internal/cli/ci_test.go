package cli

import (
	"path"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/cli/cirecipe"
)

// The CI recipes in docs/ci parse, every matrix entry's directory and
// slim.toml exist, its build args are ones the frontend reads, and the
// descriptor parses with them and plans for every platform it lists.
func TestCIRecipesAreValid(t *testing.T) {
	builds, err := cirecipe.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]map[string]bool{}    // recipe file -> languages
	binaries := map[string]map[string]bool{} // recipe file -> entrypoints chosen by SLIM_ENTRYPOINT
	for _, b := range builds {
		t.Run(b.Recipe, func(t *testing.T) {
			app, err := cirecipe.Check("../..", b)
			if err != nil {
				t.Fatalf("%+v: %v", b, err)
			}
			if b.BuildArgs["SLIM_PRESET"] == "" {
				t.Errorf("no SLIM_PRESET build arg: the recipes pick the preset per job")
			}
			file, _, _ := strings.Cut(b.Recipe, " ")
			if langs[file] == nil {
				langs[file], binaries[file] = map[string]bool{}, map[string]bool{}
			}
			langs[file][app.Language] = true
			if ep, ok := b.BuildArgs["SLIM_ENTRYPOINT"]; ok && ep != "" {
				if got, want := app.Entrypoint.Path, strings.TrimPrefix(path.Clean(ep), "./"); got != want {
					t.Errorf("SLIM_ENTRYPOINT=%s planned entrypoint %q", ep, got)
				}
				binaries[file][app.Entrypoint.Path] = true
			}
		})
	}
	for _, f := range cirecipe.Files {
		for _, l := range []string{"go", "python", "node"} {
			if !langs[f][l] {
				t.Errorf("%s: no %s entry in the matrix", f, l)
			}
		}
		// The repository with several binaries: one image per binary.
		if !binaries[f]["."] || !binaries[f]["cmd/worker"] {
			t.Errorf("%s: want entries building go-vendored's server (.) and worker (./cmd/worker) with SLIM_ENTRYPOINT, got %v", f, binaries[f])
		}
	}
}

func TestShellWordsAndBuildxArgs(t *testing.T) {
	b, err := cirecipe.ParseBuildx(`docker buildx build -f "a b/slim.toml" --build-arg 'SLIM_PRESET=scratch' --platform linux/amd64,linux/arm64 --output type=oci,dest=x.tar "a b"`)
	if err != nil {
		t.Fatal(err)
	}
	if b.File != "a b/slim.toml" || b.Context != "a b" || b.BuildArgs["SLIM_PRESET"] != "scratch" || len(b.Platforms) != 2 {
		t.Errorf("%+v", b)
	}
}

// Check rejects what would break in CI.
func TestCIRecipeCheckCatchesMistakes(t *testing.T) {
	good := cirecipe.Build{Context: "examples/go-hello", File: "examples/go-hello/slim.toml", Platforms: []string{"linux/amd64"},
		BuildArgs: map[string]string{"SLIM_PRESET": "scratch"}}
	if _, err := cirecipe.Check("../..", good); err != nil {
		t.Fatalf("good entry: %v", err)
	}
	for name, mutate := range map[string]func(b *cirecipe.Build){
		"missing dir":        func(b *cirecipe.Build) { b.Context, b.File = "examples/nope", "examples/nope/slim.toml" },
		"preset typo":        func(b *cirecipe.Build) { b.BuildArgs = map[string]string{"SLIM_PRESET": "distrolss"} },
		"unknown build arg":  func(b *cirecipe.Build) { b.BuildArgs = map[string]string{"SLIM_PRESETS": "scratch"} },
		"bad version":        func(b *cirecipe.Build) { b.BuildArgs = map[string]string{"SLIM_VERSION": "0.9"} },
		"bad platform":       func(b *cirecipe.Build) { b.Platforms = []string{"linux/amd64", "not/a/platform/x"} },
		"descriptor outside": func(b *cirecipe.Build) { b.File = "examples/go-router/slim.toml" },
		"wrong language":     func(b *cirecipe.Build) { b.Language = "python" },
	} {
		b := good
		mutate(&b)
		if _, err := cirecipe.Check("../..", b); err == nil {
			t.Errorf("%s: no error for %+v", name, b)
		}
	}
}
