// Command sbom-scanner is a stand-in for docker/buildkit-syft-scanner (not
// reachable here): it implements BuildKit's SBOM scanner protocol
// (docs/attestations/sbom-protocol.md in moby/buildkit) with syft as a
// library, the way the real image does.
//
// BuildKit runs it with the final image's root file system mounted read-only
// at $BUILDKIT_SCAN_SOURCE and, when the frontend passes extras (slimfront
// passes every build stage), one root per extra below
// $BUILDKIT_SCAN_SOURCE_EXTRAS. For each root it writes an in-toto
// statement with an SPDX 2.3 JSON predicate to
// $BUILDKIT_SCAN_DESTINATION/<basename of the root>.spdx.json
// ("sbom.spdx.json" for the core, "sbom-<stage>.spdx.json" for extras).
//
// Roots are cataloged like images (syft's "image" cataloger set: installed
// packages such as the dpkg and apk databases, Go module info in binaries,
// Python dist-info, node_modules), not like source directories.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/anchore/syft/syft"
	"github.com/anchore/syft/syft/cataloging"
	"github.com/anchore/syft/syft/cataloging/pkgcataloging"
	"github.com/anchore/syft/syft/format/spdxjson"
	"github.com/anchore/syft/syft/source/directorysource"
	_ "modernc.org/sqlite" // the RPM database cataloger needs a database/sql driver, like syft's own main
)

const (
	envDestination = "BUILDKIT_SCAN_DESTINATION"
	envSource      = "BUILDKIT_SCAN_SOURCE"
	envExtras      = "BUILDKIT_SCAN_SOURCE_EXTRAS"

	predicateSPDX = "https://spdx.dev/Document"
	statementType = "https://in-toto.io/Statement/v0.1"
)

// statement is an in-toto statement without subjects: BuildKit fills them
// in when it attaches the attestation to the image.
type statement struct {
	Type          string          `json:"_type"`
	PredicateType string          `json:"predicateType"`
	Subject       []any           `json:"subject"`
	Predicate     json.RawMessage `json:"predicate"`
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "sbom-scanner: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	dest, err := dirFromEnv(envDestination, true)
	if err != nil {
		return err
	}
	core, err := dirFromEnv(envSource, true)
	if err != nil {
		return err
	}
	targets := []string{core}
	// Optional: unset, empty or missing means no extras (protocol rule).
	if extras, _ := dirFromEnv(envExtras, false); extras != "" {
		entries, err := os.ReadDir(extras)
		if err != nil {
			return err
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if e.IsDir() {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			targets = append(targets, filepath.Join(extras, n))
		}
	}
	for _, t := range targets {
		if err := scan(ctx, t, dest); err != nil {
			return fmt.Errorf("scan %s: %w", t, err)
		}
	}
	return nil
}

func dirFromEnv(name string, required bool) (string, error) {
	p := os.Getenv(name)
	if p == "" {
		if required {
			return "", fmt.Errorf("required variable %s is not set", name)
		}
		return "", nil
	}
	st, err := os.Stat(p)
	if err != nil {
		if !required && errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("%s=%s: %w", name, p, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%s=%s is not a directory", name, p)
	}
	return p, nil
}

func scan(ctx context.Context, root, dest string) error {
	name := filepath.Base(root)
	// Base: report paths as seen inside the image (/usr/bin/x), not as
	// mounted in the scanner (/run/src/core/sbom/usr/bin/x).
	src, err := directorysource.New(directorysource.Config{Path: root, Base: root})
	if err != nil {
		return err
	}
	defer src.Close()
	cfg := syft.DefaultCreateSBOMConfig().
		WithTool("slimfront-sbom-scanner", syftVersion()).
		WithCatalogerSelection(cataloging.NewSelectionRequest().WithDefaults(pkgcataloging.ImageTag))
	s, err := syft.CreateSBOM(ctx, src, cfg)
	if err != nil {
		return err
	}
	enc, err := spdxjson.NewFormatEncoderWithConfig(spdxjson.DefaultEncoderConfig())
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dest, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	var doc jsonBuffer
	if err := enc.Encode(&doc, *s); err != nil {
		f.Close()
		return err
	}
	stmt := statement{Type: statementType, PredicateType: predicateSPDX, Subject: []any{}, Predicate: json.RawMessage(doc)}
	if err := json.NewEncoder(f).Encode(stmt); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	out := filepath.Join(dest, name+".spdx.json")
	if err := os.Rename(f.Name(), out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "sbom-scanner: %s: %d packages -> %s\n", name, s.Artifacts.Packages.PackageCount(), out)
	return nil
}

type jsonBuffer []byte

func (b *jsonBuffer) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

// syftVersion is the syft module version linked into this binary.
func syftVersion() string {
	return syftModuleVersion
}
