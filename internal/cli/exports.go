package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/moby/buildkit/client"
)

// output is one parsed --output: the exporter and where its file goes.
type output struct {
	Type  string            // image, oci, docker, tar, local
	Attrs map[string]string // exporter attributes (dest removed)
	Dest  string            // file ("-" for stdout) or directory
	Dir   bool              // Dest is a directory (local, or tar=false)
}

// parseOutput parses a buildx-style --output value: "type=oci,dest=app.tar",
// "type=image,name=r/app:1,push=true", "type=registry,name=..." (= image
// with push=true), or a bare path (= type=local,dest=path).
func parseOutput(s string) (output, error) {
	if !strings.Contains(s, "=") {
		return output{Type: client.ExporterLocal, Attrs: map[string]string{}, Dest: s, Dir: true}, nil
	}
	fields, err := csv.NewReader(strings.NewReader(s)).Read()
	if err != nil {
		return output{}, fmt.Errorf("--output %q: %v", s, err)
	}
	o := output{Attrs: map[string]string{}}
	for _, f := range fields {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			return output{}, fmt.Errorf("--output %q: %q is not key=value", s, f)
		}
		switch strings.ToLower(k) {
		case "type":
			o.Type = v
		case "dest":
			o.Dest = v
		default:
			o.Attrs[k] = v
		}
	}
	switch o.Type {
	case "registry":
		o.Type, o.Attrs["push"] = client.ExporterImage, "true"
	case client.ExporterImage:
	case client.ExporterOCI, client.ExporterDocker, client.ExporterTar:
		if o.Dest == "" {
			return output{}, fmt.Errorf("--output %q: type=%s needs dest=FILE (or dest=- for stdout)", s, o.Type)
		}
		o.Dir = o.Type != client.ExporterTar && o.Attrs["tar"] == "false"
	case client.ExporterLocal:
		if o.Dest == "" {
			return output{}, fmt.Errorf("--output %q: type=local needs dest=DIR", s)
		}
		o.Dir = true
	case "":
		return output{}, fmt.Errorf("--output %q: missing type= (oci, docker, image, registry, tar, local)", s)
	default:
		return output{}, fmt.Errorf("--output %q: unknown type %q; valid: oci, docker, image, registry, tar, local", s, o.Type)
	}
	if o.Type == client.ExporterImage && o.Dest != "" {
		return output{}, fmt.Errorf("--output %q: type=image takes name=, not dest=", s)
	}
	return o, nil
}

// imageExporter reports whether the exporter makes an image with a name.
func (o output) named() bool {
	return o.Type == client.ExporterImage || o.Type == client.ExporterOCI || o.Type == client.ExporterDocker
}

// pushes reports whether the output pushes to a registry.
func (o output) pushes() bool { return o.Type == client.ExporterImage && o.Attrs["push"] == "true" }

// ociTar reports whether the output is an OCI tar file slim can read.
func (o output) ociTar() bool { return o.Type == client.ExporterOCI && !o.Dir && o.Dest != "-" }

// entry turns the output into the client's ExportEntry.
func (o output) entry(stdout io.Writer) client.ExportEntry {
	e := client.ExportEntry{Type: o.Type, Attrs: o.Attrs}
	switch {
	case o.Dir:
		e.OutputDir = o.Dest
	case o.Dest == "-":
		e.Output = func(map[string]string) (io.WriteCloser, error) { return nopCloser{stdout}, nil }
	case o.Dest != "":
		dest := o.Dest
		e.Output = func(map[string]string) (io.WriteCloser, error) { return os.Create(dest) }
	}
	return e
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// registryHost returns the registry host of an image reference, "" for
// Docker Hub references.
func registryHost(ref string) string {
	first, _, ok := strings.Cut(ref, "/")
	if !ok || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		return ""
	}
	return first
}

// loopback reports whether host (with an optional port) is this machine:
// like docker, slim treats such registries as plain-HTTP registries.
func loopback(host string) bool {
	h := host
	if sh, _, err := net.SplitHostPort(host); err == nil {
		h = sh
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// resolveOutputs combines --output, -t and --push into exporters.
func resolveOutputs(specs, tags []string, push bool) ([]output, error) {
	var outs []output
	for _, s := range specs {
		o, err := parseOutput(s)
		if err != nil {
			return nil, err
		}
		outs = append(outs, o)
	}
	names := strings.Join(tags, ",")
	hasImage := false
	for i := range outs {
		o := &outs[i]
		if o.named() && o.Attrs["name"] == "" && names != "" {
			o.Attrs["name"] = names
		}
		if o.Type == client.ExporterImage {
			hasImage = true
			if push {
				o.Attrs["push"] = "true"
			}
		}
	}
	if !hasImage && (push || (len(tags) > 0 && len(outs) == 0)) {
		o := output{Type: client.ExporterImage, Attrs: map[string]string{"name": names}}
		if push {
			o.Attrs["push"] = "true"
		}
		outs = append(outs, o)
	}
	for i := range outs {
		o := &outs[i]
		if !o.pushes() {
			continue
		}
		if o.Attrs["name"] == "" {
			return nil, fmt.Errorf("--push needs an image name: -t registry.example.com/app:tag")
		}
		if _, set := o.Attrs["registry.insecure"]; !set {
			all := true
			for _, n := range strings.Split(o.Attrs["name"], ",") {
				all = all && loopback(registryHost(n))
			}
			if all {
				o.Attrs["registry.insecure"] = "true"
			}
		}
	}
	return outs, nil
}
