package e2e

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// intotoStatement is one attestation layer of an OCI export.
type intotoStatement struct {
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate json.RawMessage `json:"predicate"`
}

// spdxDoc is the part of an SPDX 2.x JSON document the tests read.
type spdxDoc struct {
	SPDXVersion string `json:"spdxVersion"`
	Name        string `json:"name"`
	Packages    []struct {
		Name        string `json:"name"`
		VersionInfo string `json:"versionInfo"`
	} `json:"packages"`
}

func (d spdxDoc) versions(name string) []string {
	var out []string
	for _, p := range d.Packages {
		if p.Name == name {
			out = append(out, p.VersionInfo)
		}
	}
	return out
}

func (d spdxDoc) names() []string {
	set := map[string]bool{}
	for _, p := range d.Packages {
		set[p.Name] = true
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// attestations reads an OCI layout tar and returns, per image manifest
// digest, the in-toto statements of its attestation manifest.
func attestations(t *testing.T, path string) (images []string, stmts map[string][]intotoStatement) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blobs := map[string][]byte{}
	var index []byte
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case h.Name == "index.json":
			index = b
		case strings.HasPrefix(h.Name, "blobs/sha256/"):
			blobs["sha256:"+strings.TrimPrefix(h.Name, "blobs/sha256/")] = b
		}
	}
	type desc struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Annotations map[string]string `json:"annotations"`
	}
	type doc struct {
		MediaType string `json:"mediaType"`
		Manifests []desc `json:"manifests"`
		Layers    []desc `json:"layers"`
	}
	parse := func(b []byte) doc {
		var d doc
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("OCI layout: %v", err)
		}
		return d
	}
	stmts = map[string][]intotoStatement{}
	var walk func(ds []desc)
	walk = func(ds []desc) {
		for _, d := range ds {
			b, ok := blobs[d.Digest]
			if !ok {
				t.Fatalf("OCI layout: blob %s missing", d.Digest)
			}
			switch {
			case strings.Contains(d.MediaType, "index") || strings.Contains(d.MediaType, "manifest.list"):
				walk(parse(b).Manifests)
			case d.Annotations["vnd.docker.reference.type"] == "attestation-manifest":
				subject := d.Annotations["vnd.docker.reference.digest"]
				for _, l := range parse(b).Layers {
					var s intotoStatement
					if err := json.Unmarshal(blobs[l.Digest], &s); err != nil {
						t.Fatalf("attestation layer %s: %v", l.Digest, err)
					}
					if pt := l.Annotations["in-toto.io/predicate-type"]; pt != s.PredicateType {
						t.Errorf("attestation layer annotation says %q, statement says %q", pt, s.PredicateType)
					}
					stmts[subject] = append(stmts[subject], s)
				}
			default:
				images = append(images, d.Digest)
			}
		}
	}
	walk(parse(index).Manifests)
	return images, stmts
}

// TestSBOMCoversFinalImageAndBuildStage builds go-router (distroless) with
// `--sbom=true --provenance=mode=max` and reads the attestations:
//
//   - the final image's SBOM lists the Go modules compiled into the binary
//     (chi, uuid, stdlib) and the distroless base's Debian packages, and no
//     compiler;
//   - the build stage's SBOM (the frontend passes build stages to the
//     scanner as extras) lists what built the app: gcc, git, the Go
//     toolchain — the supply chain, not only the nearly empty final image;
//   - the max-mode provenance names every base image and the scanner, and
//     carries the LLB definition.
//
// BuildKit runs docker/buildkit-syft-scanner:stable-1; hack/env up pushes a
// stand-in built from hack/images/sbom-scanner (syft as a library).
func TestSBOMCoversFinalImageAndBuildStage(t *testing.T) {
	requireEnv(t)
	requireImage(t, "docker/buildkit-syft-scanner:stable-1", "hack/env.d/extra-sbom.sh")
	dir := copyExample(t, "go-router")
	start := time.Now()
	tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--sbom=true", "--provenance=mode=max")
	t.Logf("build with SBOM and provenance took %s", time.Since(start).Round(time.Millisecond))

	images, stmts := attestations(t, tar)
	if len(images) != 1 {
		t.Fatalf("want 1 image manifest, got %d", len(images))
	}
	img := images[0]
	var sboms []spdxDoc
	var prov []intotoStatement
	for _, s := range stmts[img] {
		for _, sub := range s.Subject {
			if "sha256:"+sub.Digest["sha256"] != img {
				t.Errorf("%s statement's subject %s is not the image %s", s.PredicateType, sub.Digest, img)
			}
		}
		switch {
		case s.PredicateType == "https://spdx.dev/Document":
			var d spdxDoc
			if err := json.Unmarshal(s.Predicate, &d); err != nil {
				t.Fatalf("SPDX predicate: %v", err)
			}
			sboms = append(sboms, d)
		case strings.HasPrefix(s.PredicateType, "https://slsa.dev/provenance/"):
			prov = append(prov, s)
		default:
			t.Errorf("unexpected attestation %s", s.PredicateType)
		}
	}
	if len(stmts) != 1 {
		t.Errorf("attestation manifests for %d images, want 1 (for %s)", len(stmts), img)
	}

	var core, build *spdxDoc
	for i := range sboms {
		t.Logf("SBOM %s (%s): %d packages", sboms[i].Name, sboms[i].SPDXVersion, len(sboms[i].Packages))
		switch {
		case strings.HasSuffix(sboms[i].Name, "/core/sbom"):
			core = &sboms[i]
		case strings.HasSuffix(sboms[i].Name, "/sbom-build"):
			build = &sboms[i]
		}
	}
	if core == nil || build == nil {
		t.Fatalf("want an SBOM of the final image (core) and of the build stage (extra sbom-build); got %d SBOMs", len(sboms))
	}
	has := func(d *spdxDoc, what string, names ...string) {
		t.Helper()
		for _, n := range names {
			if len(d.versions(n)) == 0 {
				t.Errorf("%s SBOM lacks %s\npackages: %s", what, n, strings.Join(d.names(), " "))
			}
		}
	}
	hasNot := func(d *spdxDoc, what string, names ...string) {
		t.Helper()
		for _, n := range names {
			if v := d.versions(n); len(v) > 0 {
				t.Errorf("%s SBOM lists %s %v, which is not in that image", what, n, v)
			}
		}
	}
	// go.sum of examples/go-router pins these.
	has(core, "final image", "github.com/go-chi/chi/v5", "github.com/google/uuid", "stdlib", "base-files", "tzdata")
	hasNot(core, "final image", "gcc", "git", "bash")
	has(build, "build stage", "gcc", "git", "libc6", "go", "github.com/go-chi/chi/v5")
	if v := core.versions("github.com/go-chi/chi/v5"); len(v) > 0 && !strings.HasPrefix(v[0], "v5.") {
		t.Errorf("chi version %q, want v5.x (from the binary's build info)", v[0])
	}

	if len(prov) != 1 {
		t.Fatalf("want 1 provenance attestation, got %d", len(prov))
	}
	var p struct {
		BuildDefinition struct {
			ExternalParameters struct {
				ConfigSource struct {
					Path string `json:"path"`
				} `json:"configSource"`
			} `json:"externalParameters"`
			InternalParameters struct {
				BuildConfig struct {
					LLBDefinition []json.RawMessage `json:"llbDefinition"`
				} `json:"buildConfig"`
			} `json:"internalParameters"`
			ResolvedDependencies []struct {
				URI string `json:"uri"`
			} `json:"resolvedDependencies"`
		} `json:"buildDefinition"`
	}
	if err := json.Unmarshal(prov[0].Predicate, &p); err != nil {
		t.Fatalf("provenance predicate: %v", err)
	}
	if got := p.BuildDefinition.ExternalParameters.ConfigSource.Path; got != "slim.toml" {
		t.Errorf("provenance configSource.path = %q, want slim.toml", got)
	}
	if len(p.BuildDefinition.InternalParameters.BuildConfig.LLBDefinition) == 0 {
		t.Error("mode=max provenance has no LLB definition")
	}
	var deps []string
	for _, d := range p.BuildDefinition.ResolvedDependencies {
		deps = append(deps, d.URI)
	}
	for _, want := range []string{"pkg:docker/golang@1.26", "distroless/static-debian13@nonroot", "buildkit-syft-scanner@stable-1", "org/slimfront"} {
		if !strings.Contains(strings.Join(deps, " "), want) {
			t.Errorf("provenance dependencies lack %s: %v", want, deps)
		}
	}
}

// requireImage skips (fails under SLIM_E2E_REQUIRED=1) when repo:tag is not
// in the local registry.
func requireImage(t *testing.T, ref, script string) {
	t.Helper()
	out, err := runCmd(time.Minute, "", nil, "crane", "digest", "--insecure", os.Getenv("SLIM_REGISTRY")+"/"+ref)
	if err == nil {
		return
	}
	msg := fmt.Sprintf("%s is not in the local registry (%v: %s); run %s (part of hack/env up)", ref, err, strings.TrimSpace(out), script)
	if os.Getenv("SLIM_E2E_REQUIRED") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
