// Package ocitar reads OCI image layouts exported as tar files
// (`--output type=oci,dest=x.tar`): manifests per platform, image configs,
// layer sizes and file lists. Attestation manifests are skipped.
package ocitar

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Layer is one layer of an image.
type Layer struct {
	Digest       string
	MediaType    string
	Compressed   int64 // bytes in the blob
	Uncompressed int64 // bytes of the layer tar
}

// Image is one platform's image in the layout.
type Image struct {
	Platform ocispecs.Platform
	Digest   string // manifest digest
	Config   ocispecs.Image
	// ConfigJSON is the config blob as stored: Docker's fields that the
	// OCI image spec lacks (Healthcheck, OnBuild, Shell) are read from it.
	ConfigJSON []byte
	Layers     []Layer
}

// Compressed is the sum of layer blob sizes.
func (i Image) Compressed() int64 {
	var n int64
	for _, l := range i.Layers {
		n += l.Compressed
	}
	return n
}

// Uncompressed is the sum of layer tar sizes.
func (i Image) Uncompressed() int64 {
	var n int64
	for _, l := range i.Layers {
		n += l.Uncompressed
	}
	return n
}

// Layout is an OCI layout loaded from a tar.
type Layout struct {
	path  string
	blobs map[string][]byte // small blobs (json) only
	Index ocispecs.Index
	// Images by platform, attestations excluded.
	Images []Image
}

// Open reads the layout tar at path.
func Open(path string) (*Layout, error) {
	l := &Layout{path: path, blobs: map[string][]byte{}}
	sizes := map[string]int64{}
	err := l.walk(func(name string, h *tar.Header, r io.Reader) error {
		if name == "index.json" || (strings.HasPrefix(name, "blobs/") && h.Size < 4<<20) {
			b, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			l.blobs[name] = b
		}
		sizes[name] = h.Size
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(l.blobs["index.json"], &l.Index); err != nil {
		return nil, fmt.Errorf("%s: index.json: %w", path, err)
	}
	if err := l.collect(l.Index.Manifests, nil); err != nil {
		return nil, err
	}
	for i := range l.Images {
		for j := range l.Images[i].Layers {
			ly := &l.Images[i].Layers[j]
			ly.Compressed = sizes[blobPath(ly.Digest)]
			n, err := l.uncompressedSize(*ly)
			if err != nil {
				return nil, err
			}
			ly.Uncompressed = n
		}
	}
	return l, nil
}

func blobPath(d string) string { return "blobs/" + strings.Replace(d, ":", "/", 1) }

func (l *Layout) walk(fn func(name string, h *tar.Header, r io.Reader) error) error {
	f, err := os.Open(l.path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", l.path, err)
		}
		if err := fn(strings.TrimPrefix(h.Name, "./"), h, tr); err != nil {
			return err
		}
	}
}

func (l *Layout) collect(descs []ocispecs.Descriptor, plat *ocispecs.Platform) error {
	for _, d := range descs {
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			continue
		}
		b, ok := l.blobs[blobPath(d.Digest.String())]
		if !ok {
			return fmt.Errorf("blob %s missing", d.Digest)
		}
		switch d.MediaType {
		case ocispecs.MediaTypeImageIndex, "application/vnd.docker.distribution.manifest.list.v2+json":
			var idx ocispecs.Index
			if err := json.Unmarshal(b, &idx); err != nil {
				return err
			}
			if err := l.collect(idx.Manifests, d.Platform); err != nil {
				return err
			}
		default:
			var m ocispecs.Manifest
			if err := json.Unmarshal(b, &m); err != nil {
				return err
			}
			img := Image{Digest: d.Digest.String(), ConfigJSON: l.blobs[blobPath(m.Config.Digest.String())]}
			if err := json.Unmarshal(img.ConfigJSON, &img.Config); err != nil {
				return fmt.Errorf("config of %s: %w", d.Digest, err)
			}
			img.Platform = img.Config.Platform
			for _, ly := range m.Layers {
				img.Layers = append(img.Layers, Layer{Digest: ly.Digest.String(), MediaType: ly.MediaType})
			}
			l.Images = append(l.Images, img)
		}
	}
	return nil
}

// layerReader calls fn with the decompressed layer tar.
func (l *Layout) layerReader(ly Layer, fn func(io.Reader) error) error {
	want := blobPath(ly.Digest)
	found := false
	err := l.walk(func(name string, h *tar.Header, r io.Reader) error {
		if name != want || found {
			return nil
		}
		found = true
		if strings.HasSuffix(ly.MediaType, "gzip") {
			zr, err := gzip.NewReader(r)
			if err != nil {
				return err
			}
			defer zr.Close()
			return fn(zr)
		}
		if strings.HasSuffix(ly.MediaType, "zstd") {
			return fmt.Errorf("layer %s: zstd layers are not supported by ocitar", ly.Digest)
		}
		return fn(r)
	})
	if err == nil && !found {
		err = fmt.Errorf("layer %s not in %s", ly.Digest, l.path)
	}
	return err
}

func (l *Layout) uncompressedSize(ly Layer) (int64, error) {
	var n int64
	err := l.layerReader(ly, func(r io.Reader) error {
		var err error
		n, err = io.Copy(io.Discard, r)
		return err
	})
	return n, err
}

// File is an entry of a layer.
type File struct {
	Name     string // without leading "./" or "/"
	Mode     int64
	Size     int64
	Linkname string
	Type     byte
	UID, GID int
}

// entries calls fn for every entry of every layer of img, in layer order,
// with the entry's cleaned name and a reader of its contents.
func (l *Layout) entries(img Image, fn func(name string, h *tar.Header, r io.Reader) error) error {
	for _, ly := range img.Layers {
		if err := l.WalkLayer(ly, fn); err != nil {
			return err
		}
	}
	return nil
}

// WalkLayer calls fn for every entry of the layer ly, in tar order, with
// the entry's name (without a leading "./" or "/"), its header and a
// reader of its contents (valid until fn returns). An error from fn stops
// the walk and is returned; gzip and uncompressed layers are read, zstd is
// an error.
func (l *Layout) WalkLayer(ly Layer, fn func(name string, h *tar.Header, r io.Reader) error) error {
	return l.layerReader(ly, func(r io.Reader) error {
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := fn(strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/"), h, tr); err != nil {
				return err
			}
		}
	})
}

// Files lists every entry of every layer of img, in layer order.
func (l *Layout) Files(img Image) ([]File, error) {
	var out []File
	err := l.entries(img, func(name string, h *tar.Header, _ io.Reader) error {
		out = append(out, File{Name: name, Mode: h.Mode, Size: h.Size, Linkname: h.Linkname, Type: h.Typeflag, UID: h.Uid, GID: h.Gid})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadFile returns the contents of name from the topmost layer holding it.
func (l *Layout) ReadFile(img Image, name string) ([]byte, error) {
	name = strings.TrimPrefix(name, "/")
	var data []byte
	found := false
	err := l.entries(img, func(n string, _ *tar.Header, r io.Reader) error {
		if n != name {
			return nil
		}
		b, err := io.ReadAll(r)
		data, found = b, true
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%s not found in image %s", name, img.Digest)
	}
	return data, nil
}
