package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `[build] secrets` are BuildKit secret mounts: the step cannot run without
// the secret, and its value is in no layer, config, history or provenance.
func TestBuildSecretsNeverReachTheImage(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-hello")
	toml, err := os.ReadFile(filepath.Join(dir, "slim.toml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"slim.toml": string(toml) + "\n[build]\nsecrets = [\"token\"]\n"})
	const value = "s3cr3t-5f1c7e0a-slimfront-canary"
	secretFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secretFile, []byte(value), 0o600); err != nil {
		t.Fatal(err)
	}

	// --no-cache: a cached step needs no secret, so force it to run
	out, err := buildx(t, dir, "-f", "slim.toml", "--no-cache", "--output", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"))
	if err == nil || !strings.Contains(out, "secret token") {
		t.Fatalf("a build without the secret must fail naming it; err=%v\n%s", err, out)
	}

	tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--secret", "id=token,src="+secretFile,
		"--provenance=mode=max", "--no-cache")
	if strings.Contains(out, value) {
		t.Error("the secret value appears in the build output")
	}
	blobs, hits := scanOCITar(t, tarPath, []byte(value))
	if blobs < 3 {
		t.Fatalf("scanned only %d blobs; the export looks incomplete", blobs)
	}
	for _, h := range hits {
		t.Errorf("secret value found in %s", h)
	}
	// the provenance must be there (so it was scanned) and record the secret by id only
	_, prov := scanOCITar(t, tarPath, []byte(`"id":"token"`))
	if len(prov) == 0 {
		t.Errorf("provenance does not mention the secret id: was the attestation exported?")
	}
}

// scanOCITar searches every blob of an OCI layout tar, decompressing gzip
// blobs and walking layer tars, for needle; it returns the number of blobs
// and where needle was found.
func scanOCITar(t *testing.T, path string, needle []byte) (int, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	n := 0
	var hits []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(h.Name, "blobs/") {
			n++
		}
		if bytes.Contains(data, needle) {
			hits = append(hits, h.Name)
		}
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			plain, err := io.ReadAll(zr)
			if err == nil && bytes.Contains(plain, needle) {
				hits = append(hits, h.Name+" (decompressed)")
			}
		}
	}
	return n, hits
}
