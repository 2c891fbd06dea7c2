package cli

import (
	"github.com/slimfront/slimfront/presets/presettest"
	"reflect"
	"strings"
	"testing"
)

func TestParseOutput(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want output
		err  string
	}{
		{in: "type=oci,dest=app.tar", want: output{Type: "oci", Attrs: map[string]string{}, Dest: "app.tar"}},
		{in: "type=oci,dest=dir,tar=false", want: output{Type: "oci", Attrs: map[string]string{"tar": "false"}, Dest: "dir", Dir: true}},
		{in: "type=image,name=r.example/app:1,push=true", want: output{Type: "image", Attrs: map[string]string{"name": "r.example/app:1", "push": "true"}}},
		{in: "type=registry,name=r.example/app:1", want: output{Type: "image", Attrs: map[string]string{"name": "r.example/app:1", "push": "true"}}},
		{in: `type=image,"name=a:1,b:2"`, want: output{Type: "image", Attrs: map[string]string{"name": "a:1,b:2"}}},
		{in: "out", want: output{Type: "local", Attrs: map[string]string{}, Dest: "out", Dir: true}},
		{in: "type=oci", err: "needs dest="},
		{in: "type=bogus,dest=x", err: "unknown type"},
		{in: "dest=x", err: "missing type="},
		{in: "type=image,dest=x", err: "takes name="},
	} {
		got, err := parseOutput(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestResolveOutputs(t *testing.T) {
	// --push -t on a loopback registry: plain HTTP like docker
	outs, err := resolveOutputs(nil, []string{"127.0.0.1:5000/app:1"}, true)
	if err != nil || len(outs) != 1 || !outs[0].pushes() || outs[0].Attrs["registry.insecure"] != "true" || outs[0].Attrs["name"] != "127.0.0.1:5000/app:1" {
		t.Errorf("--push -t 127.0.0.1:5000/app:1: %+v %v", outs, err)
	}
	outs, _ = resolveOutputs(nil, []string{"registry.example.com/app:1"}, true)
	if _, set := outs[0].Attrs["registry.insecure"]; set {
		t.Errorf("a remote registry must not be insecure: %+v", outs[0])
	}
	if _, err := resolveOutputs(nil, nil, true); err == nil || !strings.Contains(err.Error(), "-t") {
		t.Errorf("--push without a name: %v", err)
	}
	// -t names the OCI tar; no extra image exporter
	outs, _ = resolveOutputs([]string{"type=oci,dest=a.tar"}, []string{"app:1"}, false)
	if len(outs) != 1 || outs[0].Attrs["name"] != "app:1" || !outs[0].ociTar() {
		t.Errorf("-t with an oci output: %+v", outs)
	}
	// --push with an oci output pushes too
	outs, _ = resolveOutputs([]string{"type=oci,dest=a.tar"}, []string{"localhost:5000/app"}, true)
	if len(outs) != 2 || !outs[1].pushes() {
		t.Errorf("--push with an oci output: %+v", outs)
	}
}

func TestFrontendAttrs(t *testing.T) {
	t.Setenv("FROM_ENV", "yes")
	o := buildOpts{file: "sub/slim.toml", frontend: DefaultFrontendImage, preset: "scratch", version: "1.25", noCache: true}
	o.platforms = stringList{vals: []string{"linux/amd64", "linux/arm64"}}
	o.buildArgs = stringList{vals: []string{"SLIM_REVISION=abc", "FROM_ENV", "UNSET_ANYWHERE"}}
	got, err := frontendAttrs(o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"source": "docker.io/org/slimfront:latest", "filename": "slim.toml",
		"platform":                "linux/amd64,linux/arm64",
		"build-arg:SLIM_PRESET":   "scratch",
		"build-arg:SLIM_VERSION":  "1.25",
		"build-arg:SLIM_REVISION": "abc",
		"build-arg:FROM_ENV":      "yes",
		"no-cache":                "",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("attrs:\n got %v\nwant %v", got, want)
	}
}

func TestBuildUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"build", "--progress", "fancy"},
		{"build", "--platform", "linux/amd64,not a platform"},
		{"build", "--output", "type=oci"},
		{"build", "a", "b"},
		{"build", "--nope"},
	} {
		if code, _, errOut := runCLI(args...); code != ExitUsage {
			t.Errorf("%q: exit %d, want %d\n%s", args, code, ExitUsage, errOut)
		}
	}
}

// A bad descriptor fails before any connection to BuildKit.
func TestBuildValidatesFirst(t *testing.T) {
	dir := presettest.Tree(t, map[string]string{"slim.toml": "language = \"go\"\nentrypoint = \".\"\npreset = \"distrolss\"\n"})
	code, _, errOut := runCLI("build", "--addr", "unix:///nonexistent/buildkitd.sock", dir)
	if code != ExitFailure || !strings.Contains(errOut, `did you mean "distroless"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	dir = presettest.Tree(t, map[string]string{"slim.toml": "language = \"go\"\nentrypoint = \".\"\n"})
	code, _, errOut = runCLI("build", "--addr", "unix:///nonexistent/buildkitd.sock", dir)
	if code != ExitFailure || !strings.Contains(errOut, "cannot reach buildkitd") {
		t.Errorf("unreachable buildkitd: exit %d, stderr %q", code, errOut)
	}
}

// Every command answers -h on stdout with examples and exit codes.
func TestHelp(t *testing.T) {
	for _, cmd := range [][]string{{"-h"}, {"init", "-h"}, {"build", "-h"}, {"plan", "-h"}, {"llb", "-h"}, {"dockerfile", "-h"}, {"size", "-h"}, {"files", "-h"}} {
		code, out, errOut := runCLI(cmd...)
		if code != ExitOK || !strings.Contains(out, "Example") || !strings.Contains(out, "Exit codes") {
			t.Errorf("slim %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(cmd, " "), code, out, errOut)
		}
	}
	if code, out, _ := runCLI("-version"); code != ExitOK || !strings.HasPrefix(out, "slim ") {
		t.Errorf("-version: %d %q", code, out)
	}
	if code, _, _ := runCLI("frobnicate"); code != ExitUsage {
		t.Errorf("unknown command: exit %d", code)
	}
}
