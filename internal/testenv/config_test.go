package testenv

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

var sample = Config{
	Dir:          "/c/run",
	Root:         "/c/data/buildkit",
	Socket:       "/c/run/buildkitd.sock",
	Registry:     "127.0.0.1:5000",
	RegistryData: "/c/data/registry",
}

// The exact file hack/env.d/daemons.sh wrote before the daemons moved to
// Go, for the same paths: the shared buildkitd must not change.
const wantTOML = `root = "/c/data/buildkit"
insecure-entitlements = ["network.host", "security.insecure"]

[grpc]
  address = ["unix:///c/run/buildkitd.sock"]

[worker.oci]
  enabled = true
  binary = "runc"
  snapshotter = "overlayfs"
  networkMode = "host"
  gc = true
  maxUsedSpace = "30GB"

[worker.containerd]
  enabled = false

[registry."docker.io"]
  mirrors = ["127.0.0.1:5000"]
[registry."gcr.io"]
  mirrors = ["127.0.0.1:5000"]
[registry."127.0.0.1:5000"]
  http = true
`

func TestBuildkitdTOMLIsWhatTheBashVersionWrote(t *testing.T) {
	got, err := sample.BuildkitdTOML()
	if err != nil {
		t.Fatal(err)
	}
	if got != wantTOML {
		t.Errorf("buildkitd.toml:\n%s\nwant:\n%s", got, wantTOML)
	}
}

// Parsed as TOML, the file has every setting under the key buildkitd reads
// (cmd/buildkitd/config), also for paths and addresses that need quoting.
func TestBuildkitdTOMLParsesToTheSettings(t *testing.T) {
	c := sample
	c.Root = `/tmp/with "quote"/root`
	c.Registry = "localhost:5001"
	s, err := c.BuildkitdTOML()
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := toml.Unmarshal([]byte(s), &cfg); err != nil {
		t.Fatalf("not TOML: %v\n%s", err, s)
	}
	get := func(path ...string) any {
		var v any = cfg
		for _, k := range path {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		return v
	}
	checks := []struct {
		path []string
		want any
	}{
		{[]string{"root"}, c.Root},
		{[]string{"grpc", "address"}, []any{"unix:///c/run/buildkitd.sock"}},
		{[]string{"insecure-entitlements"}, []any{"network.host", "security.insecure"}},
		{[]string{"worker", "oci", "enabled"}, true},
		{[]string{"worker", "oci", "binary"}, "runc"},
		{[]string{"worker", "oci", "snapshotter"}, "overlayfs"},
		{[]string{"worker", "oci", "networkMode"}, "host"},
		{[]string{"worker", "oci", "gc"}, true},
		{[]string{"worker", "oci", "maxUsedSpace"}, "30GB"},
		{[]string{"worker", "containerd", "enabled"}, false},
		{[]string{"registry", "docker.io", "mirrors"}, []any{"localhost:5001"}},
		{[]string{"registry", "gcr.io", "mirrors"}, []any{"localhost:5001"}},
		{[]string{"registry", "localhost:5001", "http"}, true},
	}
	for _, ch := range checks {
		if got := get(ch.path...); !reflect.DeepEqual(got, ch.want) {
			t.Errorf("%s = %#v, want %#v", strings.Join(ch.path, "."), got, ch.want)
		}
	}
	if n := len(get("registry").(map[string]any)); n != 3 {
		t.Errorf("%d registry sections, want 3\n%s", n, s)
	}
}

func TestRegistryYAMLIsWhatTheBashVersionWrote(t *testing.T) {
	got, err := sample.RegistryYAML()
	if err != nil {
		t.Fatal(err)
	}
	want := `version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: /c/data/registry}
  delete: {enabled: true}
  cache: {blobdescriptor: inmemory}
http: {addr: 127.0.0.1:5000}
`
	if got != want {
		t.Errorf("registry.yml:\n%s\nwant:\n%s", got, want)
	}
}

func TestBadConfigNamesEveryBadField(t *testing.T) {
	c := Config{Dir: "run", Root: "", Socket: "/" + strings.Repeat("s", 120), Registry: "127.0.0.1"}
	_, err := c.BuildkitdTOML()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"Config.Dir must be an absolute path, got \"run\"", "Config.Root must be an absolute path",
		"longer than the 107", "Config.Registry must be host:port"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "Socket must be an absolute") {
		t.Errorf("an absolute socket path was reported as relative:\n%v", err)
	}
	_, err = Config{Dir: "/r", Registry: "127.0.0.1:99999"}.RegistryYAML()
	if err == nil || !strings.Contains(err.Error(), "RegistryData must be an absolute path") || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("RegistryYAML error = %v, want RegistryData and Registry named", err)
	}
}

func TestAddr(t *testing.T) {
	if got := sample.Addr(); got != "unix:///c/run/buildkitd.sock" {
		t.Errorf("Addr() = %q", got)
	}
}
