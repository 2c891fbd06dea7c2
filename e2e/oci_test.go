package e2e

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/slimfront/slimfront/internal/ocitar"
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

// readOCIImages returns every platform image of the OCI tarball, following
// nested indexes and skipping attestation manifests, through
// internal/ocitar (the one OCI reader of the project). keepFile (may be nil)
// selects the regular files whose contents are kept in ociLayer.Kept.
func readOCIImages(file string, keepFile func(name string, size int64) bool) ([]*ociImage, error) {
	l, err := ocitar.Open(file)
	if err != nil {
		return nil, err
	}
	var images []*ociImage
	for _, img := range l.Images {
		if img.Platform.OS == "unknown" {
			continue
		}
		im := &ociImage{}
		if err := json.Unmarshal(img.ConfigJSON, &im.Config); err != nil {
			return nil, fmt.Errorf("%s: config of %s: %w", file, img.Digest, err)
		}
		im.Platform = im.Config.OS + "/" + im.Config.Architecture
		for _, ly := range img.Layers {
			ol := ociLayer{MediaType: ly.MediaType, Digest: ly.Digest, Uncompressed: ly.Uncompressed,
				Files: map[string]int64{}, Links: map[string]string{}, Kept: map[string][]byte{}}
			err := l.WalkLayer(ly, func(name string, h *tar.Header, r io.Reader) error {
				name = strings.TrimPrefix(path.Clean("/"+name), "/")
				ol.Files[name] = h.Size
				switch h.Typeflag {
				case tar.TypeSymlink, tar.TypeLink:
					ol.Links[name] = h.Linkname
				case tar.TypeReg:
					if keepFile != nil && keepFile(name, h.Size) {
						c, err := io.ReadAll(r)
						if err != nil {
							return err
						}
						ol.Kept[name] = c
					}
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("%s: layer %s: %w", file, ly.Digest, err)
			}
			im.Layers = append(im.Layers, ol)
		}
		images = append(images, im)
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("%s: no image manifest found", file)
	}
	return images, nil
}
