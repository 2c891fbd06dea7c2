package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// ociBuilder writes a minimal OCI layout tarball, shaped like buildx's
// type=oci output (index → index → image + attestation manifests).
type ociBuilder struct{ blobs map[string][]byte }

func (b *ociBuilder) add(v any) map[string]any {
	data, ok := v.([]byte)
	if !ok {
		data, _ = json.Marshal(v)
	}
	d := fmt.Sprintf("sha256:%x", sha256.Sum256(data))
	b.blobs[d] = data
	return map[string]any{"digest": d, "size": len(data)}
}

func tarOf(t *testing.T, files map[string][]byte, gz bool) []byte {
	var buf bytes.Buffer
	var w *tar.Writer
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		w = tar.NewWriter(zw)
	} else {
		w = tar.NewWriter(&buf)
	}
	for name, c := range files {
		if err := w.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(c)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		w.Write(c)
	}
	w.Close()
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

func with(m map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestReadOCIImagesFollowsIndexesAndSkipsAttestations(t *testing.T) {
	// No environment needed: this checks the OCI reader the image tests rely on.
	b := &ociBuilder{blobs: map[string][]byte{}}
	bin := append([]byte("\x7fELF"), bytes.Repeat([]byte{1}, 4096)...)
	layer := tarOf(t, map[string][]byte{"./app/server": bin, "etc/passwd": []byte("nonroot:x:65532:65532::/:/sbin/nologin\n")}, true)
	cfg := b.add(map[string]any{"architecture": "arm64", "os": "linux",
		"config": map[string]any{"User": "65532", "Entrypoint": []string{"/app/server"}}})
	img := b.add(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": with(cfg, "mediaType", "application/vnd.oci.image.config.v1+json"),
		"layers": []any{with(b.add(layer), "mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")}})
	att := b.add(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": with(b.add([]byte("{}")), "mediaType", "application/vnd.oci.image.config.v1+json"),
		"layers": []any{with(b.add([]byte("not a tar")), "mediaType", "application/vnd.in-toto+json")}})
	inner := b.add(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []any{
			with(img, "mediaType", "application/vnd.oci.image.manifest.v1+json", "platform", map[string]string{"os": "linux", "architecture": "arm64"}),
			with(att, "mediaType", "application/vnd.oci.image.manifest.v1+json", "platform", map[string]string{"os": "unknown", "architecture": "unknown"},
				"annotations", map[string]string{"vnd.docker.reference.type": "attestation-manifest"}),
		}})
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []any{with(inner, "mediaType", "application/vnd.oci.image.index.v1+json")}})

	files := map[string][]byte{"index.json": index, "oci-layout": []byte(`{"imageLayoutVersion":"1.0.0"}`)}
	for d, data := range b.blobs {
		files["blobs/sha256/"+d[len("sha256:"):]] = data
	}
	path := filepath.Join(t.TempDir(), "img.tar")
	if err := os.WriteFile(path, tarOf(t, files, false), 0o644); err != nil {
		t.Fatal(err)
	}

	images, err := readOCIImages(path, func(_ string, size int64) bool { return size > 1000 })
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 {
		t.Fatalf("got %d images, want 1 (attestation skipped)", len(images))
	}
	im := images[0]
	if im.Platform != "linux/arm64" || im.Config.Config.User != "65532" {
		t.Errorf("platform %s user %q", im.Platform, im.Config.Config.User)
	}
	if !im.Has("app/server") || !im.Has("etc/passwd") {
		t.Errorf("files not found: %v", im.Layers[0].Files)
	}
	if name, c := largestFile(im); name != "app/server" || !bytes.Equal(c, bin) {
		t.Errorf("largest file = %s (%d bytes)", name, len(c))
	}
	if n := im.UncompressedSize(); n < int64(len(bin)) {
		t.Errorf("uncompressed size %d < binary size %d", n, len(bin))
	}
}
