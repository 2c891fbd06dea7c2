package presets_test

import (
	"errors"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

const goApp = "language = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\n"

func TestOverridesMapOnlyTheBuildArgsThatOverrideKeys(t *testing.T) {
	got := presets.Overrides(map[string]string{"SLIM_PRESET": "alpine", "SLIM_VERSION": "1.25", "SLIM_OTHER": "x", "SLIM_PRESET_": "y", "SLIM_SOURCE": "https://x"})
	if len(got) != 2 || got["preset"] != "alpine" || got["version"] != "1.25" {
		t.Fatalf("overrides = %v", got)
	}
	if got := presets.Overrides(map[string]string{"SLIM_PRESET": ""}); len(got) != 0 {
		t.Fatalf("an empty build arg must not override: %v", got)
	}
	if presets.BuildArgFor("preset") != "SLIM_PRESET" || presets.BuildArgFor("port") != "" {
		t.Fatal("BuildArgFor maps preset to SLIM_PRESET and nothing to port")
	}
}

func TestKnownBuildArgRefusesTyposAndListsTheValidOnes(t *testing.T) {
	if err := presets.KnownBuildArg("SLIM_VERSION"); err != nil {
		t.Fatal(err)
	}
	err := presets.KnownBuildArg("SLIM_PRESETS")
	if err == nil || !strings.Contains(err.Error(), "SLIM_PRESET, SLIM_VERSION") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadPlansEveryTargetOnTheBuildPlatform(t *testing.T) {
	l, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(goApp), Build: amd64, Targets: []ocispecs.Platform{amd64, arm64}})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Plans) != 2 || len(l.Targets) != 2 {
		t.Fatalf("%d plans for %d targets", len(l.Plans), len(l.Targets))
	}
	for i, want := range []string{"amd64", "arm64"} {
		if l.Targets[i].Platform.Architecture != want || l.Targets[i].Build.Architecture != "amd64" {
			t.Errorf("target %d = %+v", i, l.Targets[i])
		}
	}
	if l.App.Preset != presets.DefaultBase {
		t.Errorf("preset default not applied: %q", l.App.Preset)
	}
}

func TestLoadAppliesDefaultsToACopyAndBuildArgsOverTheFile(t *testing.T) {
	src := []byte(goApp + "preset = \"alpine\"\n")
	l, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: src, Build: amd64,
		BuildArgs: map[string]string{"SLIM_PRESET": "scratch"}})
	if err != nil {
		t.Fatal(err)
	}
	if l.App.Preset != "scratch" {
		t.Fatalf("SLIM_PRESET did not override the file: %q", l.App.Preset)
	}
	// The same bytes loaded again without the build arg see the file's value:
	// nothing is shared between loads.
	l2, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: src, Build: amd64})
	if err != nil {
		t.Fatal(err)
	}
	if l2.App.Preset != "alpine" {
		t.Fatalf("preset = %q", l2.App.Preset)
	}
}

func TestLoadRefusesNonLinuxTargetsByName(t *testing.T) {
	_, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(goApp), Build: amd64,
		Targets: []ocispecs.Platform{{OS: "windows", Architecture: "amd64"}}})
	if err == nil || !strings.Contains(err.Error(), "windows/amd64 is not supported") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadErrorsAreLocatedDescriptorErrors(t *testing.T) {
	_, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(goApp + "version = \"1.9\"\n"), Build: amd64})
	var de *descriptor.Error
	if !errors.As(err, &de) {
		t.Fatalf("err %T %v is not a *descriptor.Error", err, err)
	}
	if de.Problems[0].Range.Start.Line != 4 {
		t.Errorf("problem at line %d, want 4: %v", de.Problems[0].Range.Start.Line, err)
	}
	_, err = all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(goApp), Build: amd64,
		BuildArgs: map[string]string{"SLIM_PRESET": "distrolss"}})
	if err == nil || !strings.Contains(err.Error(), "build arg SLIM_PRESET") {
		t.Fatalf("a bad build arg is named: %v", err)
	}
}

func TestLoadKeepsPlaceholderTargetsForThePortableDockerfile(t *testing.T) {
	target := ocispecs.Platform{OS: "$TARGETOS", Architecture: "$TARGETARCH"}
	l, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: []byte(goApp), Build: amd64, Targets: []ocispecs.Platform{target}})
	if err != nil {
		t.Fatal(err)
	}
	if p := l.Targets[0].Platform; p.OS != target.OS || p.Architecture != target.Architecture {
		t.Fatalf("target rewritten: %+v", l.Targets[0].Platform)
	}
}
