package ocitar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	digest "github.com/opencontainers/go-digest"
)

type layoutBuilder struct{ files map[string][]byte }

func (b *layoutBuilder) blob(data []byte) (string, int64) {
	d := digest.FromBytes(data)
	b.files["blobs/sha256/"+d.Encoded()] = data
	return d.String(), int64(len(data))
}

func (b *layoutBuilder) json(v any) (string, int64) {
	data, _ := json.Marshal(v)
	return b.blob(data)
}

func layerTar(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Uid: 65532, Gid: 65532})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// writeLayout writes an OCI layout tar with an index of two platforms and
// an attestation manifest, the shape buildx exports with --provenance.
func writeLayout(t *testing.T) string {
	b := &layoutBuilder{files: map[string][]byte{}}
	manifest := func(arch string, layers ...[]byte) map[string]any {
		cd, cs := b.json(map[string]any{"architecture": arch, "os": "linux", "config": map[string]any{"User": "65532"}})
		var ls []map[string]any
		for _, l := range layers {
			d, s := b.blob(l)
			ls = append(ls, map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": s})
		}
		d, s := b.json(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs}, "layers": ls})
		return map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": s,
			"platform": map[string]any{"os": "linux", "architecture": arch}}
	}
	amd := manifest("amd64", layerTar(t, map[string]string{"app/app": "AMD64BINARY", "etc/passwd": "x"}))
	arm := manifest("arm64", layerTar(t, map[string]string{"app/app": "ARM"}), layerTar(t, map[string]string{"app/app": "ARM64 LATER"}))
	att := manifest("unknown", layerTar(t, map[string]string{"sbom.json": "{}"}))
	att["annotations"] = map[string]string{"vnd.docker.reference.type": "attestation-manifest"}
	idxD, idxS := b.json(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []any{amd, arm, att}})
	top, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{map[string]any{
		"mediaType": "application/vnd.oci.image.index.v1+json", "digest": idxD, "size": idxS}}})
	b.files["index.json"] = top

	path := filepath.Join(t.TempDir(), "img.tar")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for name, data := range b.files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))})
		tw.Write(data)
	}
	tw.Close()
	f.Close()
	return path
}

func TestOpenFollowsNestedIndexesAndSkipsAttestations(t *testing.T) {
	l, err := Open(writeLayout(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Images) != 2 {
		t.Fatalf("want 2 platform images (attestation skipped), got %d", len(l.Images))
	}
	amd, arm := l.Images[0], l.Images[1]
	if amd.Platform.Architecture != "amd64" || arm.Platform.Architecture != "arm64" {
		t.Errorf("platforms %v %v", amd.Platform, arm.Platform)
	}
	if amd.Config.Config.User != "65532" {
		t.Errorf("config user %q", amd.Config.Config.User)
	}
	if len(arm.Layers) != 2 || arm.Uncompressed() <= 0 || arm.Compressed() <= 0 {
		t.Errorf("arm layers %+v", arm.Layers)
	}
	// a tar of one small file is at least two 512-byte blocks plus the end marker
	if amd.Uncompressed() < 2048 {
		t.Errorf("uncompressed %d is not the size of the layer tar", amd.Uncompressed())
	}
}

func TestReadFileTakesTheTopmostLayer(t *testing.T) {
	l, err := Open(writeLayout(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.ReadFile(l.Images[1], "/app/app")
	if err != nil || string(got) != "ARM64 LATER" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := l.ReadFile(l.Images[1], "etc/passwd"); err == nil {
		t.Error("a file only in another platform's image must not be found")
	}
	files, err := l.Files(l.Images[0])
	if err != nil || len(files) != 2 || files[0].UID != 65532 {
		t.Fatalf("files %+v, %v", files, err)
	}
}
