// Package testenv starts and stops the daemons of slimfront's test
// environment: the local OCI registry and buildkitd. It is the one place
// their configuration is written, for all three users:
//
//   - hack/env (through hack/testenv, called by hack/env.d/daemons.sh):
//     the shared registry and buildkitd, detached, tracked by pid files so
//     a second `hack/env up` finds them running and restarts nothing (Up,
//     Down, Status);
//   - bench/: a private buildkitd per benchmark run (StartBuildkitd);
//   - e2e/: fresh buildkitd daemons for the fault tests and older buildkitd
//     releases for the compatibility test (StartBuildkitd with Bin set).
//
// Every buildkitd gets the same settings (BuildkitdTOML): the runc worker on
// overlayfs with host networking for RUN steps (so package registries and
// module proxies are reachable), garbage collection at 30 GB, the
// network.host and security.insecure entitlements allowed, and docker.io
// and gcr.io mirrored to the local registry over plain HTTP.
//
// The proxy CA certificates in /usr/local/share/ca-certificates need no
// setting here: they are installed in the host's trust store
// (/etc/ssl/certs), which buildkitd reads like any Go program, and the
// mirrors are plain HTTP. The images that do HTTPS inside RUN steps get the
// CAs from their stand-in base images (hack/env.d).
package testenv

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// MaxUsedSpace is the buildkit cache size above which the worker's
// garbage collector deletes old records (buildkitd's maxUsedSpace).
const MaxUsedSpace = "30GB"

// maxSocketPath is the longest unix socket path Linux accepts (sun_path is
// 108 bytes including the terminating NUL).
const maxSocketPath = 107

// Config describes one buildkitd and the local registry it mirrors
// docker.io and gcr.io to. Paths must be absolute.
type Config struct {
	// Dir holds what the daemons are started with and write: buildkitd.toml,
	// buildkitd.log, registry.yml, registry.log and, for the detached
	// daemons of Up, buildkitd.pid and registry.pid. hack/env uses
	// $SLIM_CACHE/run.
	Dir string
	// Root is buildkitd's state directory (its "root": snapshots, cache).
	Root string
	// Socket is the path of buildkitd's unix socket, at most 107 bytes.
	Socket string
	// Registry is the local registry's host:port, e.g. "127.0.0.1:5000".
	// buildkitd pulls docker.io and gcr.io images from it over plain HTTP.
	Registry string
	// RegistryData is the registry's storage directory. Only Up needs it
	// (it starts the registry); StartBuildkitd ignores it.
	RegistryData string
	// Bin is the buildkitd binary: a path, or a name looked up in $PATH.
	// Empty means "buildkitd". Set it to run an older release.
	Bin string
}

// bin returns the buildkitd binary to run.
func (c Config) bin() string {
	if c.Bin == "" {
		return "buildkitd"
	}
	return c.Bin
}

// Addr returns buildkitd's address for BUILDKIT_HOST and --addr:
// "unix://" followed by Socket.
func (c Config) Addr() string { return "unix://" + c.Socket }

// file returns the path of name (e.g. "buildkitd.log") in Dir.
func (c Config) file(name string) string { return filepath.Join(c.Dir, name) }

// validateBuildkitd reports every problem of the fields buildkitd needs
// (Dir, Root, Socket, Registry) in one error, or nil.
func (c Config) validateBuildkitd() error {
	var errs []error
	for _, f := range []struct{ name, path string }{{"Dir", c.Dir}, {"Root", c.Root}, {"Socket", c.Socket}} {
		if !filepath.IsAbs(f.path) {
			errs = append(errs, fmt.Errorf("testenv: Config.%s must be an absolute path, got %q", f.name, f.path))
		}
	}
	if len(c.Socket) > maxSocketPath {
		errs = append(errs, fmt.Errorf("testenv: Config.Socket %q is %d bytes, longer than the %d a unix socket path may have", c.Socket, len(c.Socket), maxSocketPath))
	}
	if err := validHostPort(c.Registry); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateRegistry reports every problem of the fields the registry needs
// (Dir, RegistryData, Registry) in one error, or nil.
func (c Config) validateRegistry() error {
	var errs []error
	for _, f := range []struct{ name, path string }{{"Dir", c.Dir}, {"RegistryData", c.RegistryData}} {
		if !filepath.IsAbs(f.path) {
			errs = append(errs, fmt.Errorf("testenv: Config.%s must be an absolute path, got %q", f.name, f.path))
		}
	}
	if err := validHostPort(c.Registry); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func validHostPort(s string) error {
	host, port, ok := strings.Cut(s, ":")
	if n, err := strconv.Atoi(port); !ok || host == "" || err != nil || n < 1 || n > 65535 || strings.ContainsAny(s, "/\" ") {
		return fmt.Errorf("testenv: Config.Registry must be host:port (e.g. 127.0.0.1:5000), got %q", s)
	}
	return nil
}

// BuildkitdTOML returns the buildkitd.toml for c: root and socket from c,
// the runc worker (overlayfs, host networking, GC at MaxUsedSpace), the
// containerd worker off, docker.io and gcr.io mirrored to c.Registry and
// c.Registry itself spoken to over plain HTTP. It returns an error, naming
// every bad field, when Dir, Root or Socket is not absolute, Socket is too
// long for a unix socket, or Registry is not host:port.
func (c Config) BuildkitdTOML() (string, error) {
	if err := c.validateBuildkitd(); err != nil {
		return "", err
	}
	return fmt.Sprintf(`root = %q
insecure-entitlements = ["network.host", "security.insecure"]

[grpc]
  address = [%q]

[worker.oci]
  enabled = true
  binary = "runc"
  snapshotter = "overlayfs"
  networkMode = "host"
  gc = true
  maxUsedSpace = %q

[worker.containerd]
  enabled = false

[registry."docker.io"]
  mirrors = [%q]
[registry."gcr.io"]
  mirrors = [%q]
[registry.%q]
  http = true
`, c.Root, c.Addr(), MaxUsedSpace, c.Registry, c.Registry, c.Registry), nil
}

// RegistryYAML returns the registry's config.yml for c: storage in
// c.RegistryData (deletes allowed, in-memory blob descriptor cache),
// listening on c.Registry, warnings only, no access log. It returns an
// error when Dir or RegistryData is not absolute or Registry is not
// host:port.
func (c Config) RegistryYAML() (string, error) {
	if err := c.validateRegistry(); err != nil {
		return "", err
	}
	return fmt.Sprintf(`version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: %s}
  delete: {enabled: true}
  cache: {blobdescriptor: inmemory}
http: {addr: %s}
`, c.RegistryData, c.Registry), nil
}
