package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// ociImage is one platform's image from an OCI layout tarball.
type ociImage struct {
	Platform string // os/arch[/variant]
	Config   struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
		Config       struct {
			User       string   `json:"User"`
			Entrypoint []string `json:"Entrypoint"`
			Cmd        []string `json:"Cmd"`
			Env        []string `json:"Env"`
		} `json:"config"`
	}
	Layers []ociLayer
}

type ociLayer struct {
	MediaType    string
	Digest       string
	Uncompressed int64            // bytes of the uncompressed layer tar stream
	Files        map[string]int64 // cleaned path (no leading /) → size; symlinks and dirs included
	Links        map[string]string
	Kept         map[string][]byte // contents of the regular files keepFile selected
}

// UncompressedSize is the sum of the uncompressed sizes of all layers.
func (im *ociImage) UncompressedSize() int64 {
	var n int64
	for _, l := range im.Layers {
		n += l.Uncompressed
	}
	return n
}

// Has reports whether any layer holds path p (cleaned, without leading /).
func (im *ociImage) Has(p string) bool {
	for _, l := range im.Layers {
		if _, ok := l.Files[p]; ok {
			return true
		}
	}
	return false
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations"`
	Platform    *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant"`
	} `json:"platform"`
}

type manifestDoc struct {
	MediaType string       `json:"mediaType"`
	Manifests []descriptor `json:"manifests"` // index
	Config    descriptor   `json:"config"`    // image manifest
	Layers    []descriptor `json:"layers"`
}

// ociTar is an OCI layout tarball loaded in memory (the images are small).
type ociTar map[string][]byte

func loadOCITar(file string) (ociTar, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := ociTar{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		m[path.Clean(strings.TrimPrefix(h.Name, "./"))] = b
	}
}

func (o ociTar) blob(digest string) ([]byte, error) {
	alg, hex, ok := strings.Cut(digest, ":")
	if !ok {
		return nil, fmt.Errorf("bad digest %q", digest)
	}
	b, ok := o["blobs/"+alg+"/"+hex]
	if !ok {
		return nil, fmt.Errorf("blob %s not in the tarball", digest)
	}
	return b, nil
}

// readOCIImages returns every platform image of the OCI tarball, following
// nested indexes and skipping attestation manifests. keepFile (may be nil)
// selects the regular files whose contents are kept in ociLayer.Kept.
func readOCIImages(file string, keepFile func(name string, size int64) bool) ([]*ociImage, error) {
	o, err := loadOCITar(file)
	if err != nil {
		return nil, err
	}
	idx, ok := o["index.json"]
	if !ok {
		return nil, fmt.Errorf("%s: no index.json (not an OCI layout?)", file)
	}
	var top manifestDoc
	if err := json.Unmarshal(idx, &top); err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	var images []*ociImage
	var walk func(descs []descriptor, depth int) error
	walk = func(descs []descriptor, depth int) error {
		if depth > 4 {
			return fmt.Errorf("indexes nested too deep")
		}
		for _, d := range descs {
			if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" ||
				(d.Platform != nil && d.Platform.OS == "unknown") {
				continue
			}
			b, err := o.blob(d.Digest)
			if err != nil {
				return err
			}
			var doc manifestDoc
			if err := json.Unmarshal(b, &doc); err != nil {
				return fmt.Errorf("manifest %s: %w", d.Digest, err)
			}
			mt := doc.MediaType
			if mt == "" {
				mt = d.MediaType
			}
			if strings.Contains(mt, "index") || strings.Contains(mt, "manifest.list") || doc.Manifests != nil {
				if err := walk(doc.Manifests, depth+1); err != nil {
					return err
				}
				continue
			}
			im, err := readImage(o, doc, keepFile)
			if err != nil {
				return fmt.Errorf("image %s: %w", d.Digest, err)
			}
			images = append(images, im)
		}
		return nil
	}
	if err := walk(top.Manifests, 0); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("%s: no image manifest found", file)
	}
	return images, nil
}

func readImage(o ociTar, doc manifestDoc, keepFile func(string, int64) bool) (*ociImage, error) {
	im := &ociImage{}
	cb, err := o.blob(doc.Config.Digest)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(cb, &im.Config); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	im.Platform = im.Config.OS + "/" + im.Config.Architecture
	for _, ld := range doc.Layers {
		lb, err := o.blob(ld.Digest)
		if err != nil {
			return nil, err
		}
		l, err := readLayer(ld, lb, keepFile)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", ld.Digest, err)
		}
		im.Layers = append(im.Layers, l)
	}
	return im, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func readLayer(d descriptor, b []byte, keepFile func(string, int64) bool) (ociLayer, error) {
	l := ociLayer{MediaType: d.MediaType, Digest: d.Digest, Files: map[string]int64{}, Links: map[string]string{}, Kept: map[string][]byte{}}
	var r io.Reader = bytes.NewReader(b)
	switch {
	case strings.HasSuffix(d.MediaType, "+zstd") || strings.HasSuffix(d.MediaType, ".zstd"):
		return l, fmt.Errorf("zstd layers (%s) are not supported by this test", d.MediaType)
	case strings.HasSuffix(d.MediaType, "gzip"):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return l, err
		}
		defer zr.Close()
		r = zr
	}
	cr := &countingReader{r: r}
	tr := tar.NewReader(cr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return l, err
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		l.Files[name] = h.Size
		switch h.Typeflag {
		case tar.TypeSymlink, tar.TypeLink:
			l.Links[name] = h.Linkname
		case tar.TypeReg:
			if keepFile != nil && keepFile(name, h.Size) {
				c, err := io.ReadAll(tr)
				if err != nil {
					return l, err
				}
				l.Kept[name] = c
			}
		}
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return l, err
	}
	l.Uncompressed = cr.n
	return l, nil
}
