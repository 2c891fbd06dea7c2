package e2e

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Go apps as they are in the wild (issue 13). The cgo example on every
// base is examples/go-sqlite, run by TestGoExamplesRunOnEveryPreset; these
// are the builds that need build args, several binaries or a broken input.

// TestGoVendoredModuleVersionStampAndWorker builds examples/go-vendored,
// whose vendor/ holds a module no proxy serves (a download would fail),
// with the network off (vendor/modules.txt is in its deps) and a version
// stamped by a build arg through [build] ldflags, then the worker binary
// of the same repository chosen by SLIM_ENTRYPOINT.
func TestGoVendoredModuleVersionStampAndWorker(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-vendored")

	t.Run("server/stamped/offline", func(t *testing.T) {
		t.Parallel()
		checkGoStepsOffline(t, dir)
		// The build: green with the go steps offline, the module from vendor/.
		tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "VERSION=2.7.1")
		body := runImage(t, tar).get(t, "/")
		if want := "[server] greeted by the internal greeting module v1.3.0; server version 2.7.1"; !strings.Contains(body, want) {
			t.Errorf("GET / = %q, want %q", body, want)
		}
	})
	t.Run("unlisted", func(t *testing.T) {
		t.Parallel()
		// vendor/modules.txt present but not in deps: the preset sees it in
		// the build context, so the build is offline all the same.
		dir := copyExample(t, "go-vendored")
		toml := filepath.Join(dir, "slim.toml")
		b, err := os.ReadFile(toml)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(toml, bytes.Replace(b, []byte(`deps       = ["go.mod", "vendor/modules.txt"]`), []byte(`deps       = ["go.mod"]`), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		// The preset reads vendor/modules.txt in the context itself: in
		// slim llb (the directory) and in the frontend (the build context),
		// whose plan then has no download step.
		checkGoStepsOffline(t, dir)
		tar, out := mustBuildOCI(t, dir, "-f", "slim.toml")
		if strings.Contains(out, "go mod download") {
			t.Errorf("the frontend planned a download step for a vendored context:\n%s", tail(out, 40))
		}
		if body := runImage(t, tar).get(t, "/"); !strings.Contains(body, "greeted by the internal greeting module v1.3.0") {
			t.Errorf("GET / = %q", body)
		}
	})
	t.Run("worker", func(t *testing.T) {
		t.Parallel()
		tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_ENTRYPOINT=./cmd/worker")
		images, err := readOCIImages(tar, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ep := images[0].Config.Config.Entrypoint; len(ep) != 1 || ep[0] != "/app/worker" || !images[0].Has("app/worker") || images[0].Has("app/app") {
			t.Errorf("entrypoint %q: want /app/worker only", ep)
		}
		body := runImage(t, tar).get(t, "/")
		if want := "[worker] greeted by the internal greeting module v1.3.0; worker version dev idle"; !strings.Contains(body, want) {
			t.Errorf("GET / = %q, want %q", body, want)
		}
	})
}

// checkGoStepsOffline reads the LLB the frontend would solve for the app
// in dir (slim llb plans through the same presets.Registry.Load, with the
// directory as the build context): no download, the cgo check and go
// build with network NONE.
func checkGoStepsOffline(t *testing.T, dir string) {
	t.Helper()
	out, err := runCmd(time.Minute, dir, nil, slimBin(t), "llb", "-f", "slim.toml")
	if err != nil {
		t.Fatalf("slim llb: %v\n%s", err, tail(out, 20))
	}
	var ops []struct {
		Op struct {
			Exec *struct {
				Meta    struct{ Args []string }
				Network string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &ops); err != nil {
		t.Fatalf("slim llb output: %v", err)
	}
	var goSteps int
	for _, op := range ops {
		e := op.Op.Exec
		if e == nil || !slices.ContainsFunc(e.Meta.Args, func(a string) bool { return a == "go" || a == "cgo-check" || a == "go mod download" }) {
			continue
		}
		goSteps++
		if args := strings.Join(e.Meta.Args, " "); strings.Contains(args, "go mod download") || e.Network != "NONE" {
			t.Errorf("go step with network %q: %.80s", e.Network, args)
		}
	}
	if goSteps != 2 {
		t.Errorf("want the cgo check and go build, found %d go steps", goSteps)
	}
}

// TestGoInconsistentVendorIsAClearError: a go.mod requiring a module that
// vendor/modules.txt does not list fails the build with go's own message.
func TestGoInconsistentVendorIsAClearError(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-vendored")
	gomod := filepath.Join(dir, "go.mod")
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gomod, append(b, []byte("require corp.example.internal/extra v0.1.0\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=cacheonly")
	if err == nil {
		t.Fatalf("build of an inconsistent vendor/ succeeded:\n%s", tail(out, 30))
	}
	if !strings.Contains(out, "inconsistent vendoring") || !strings.Contains(out, "corp.example.internal/extra") {
		t.Errorf("want go's \"inconsistent vendoring\" naming the module:\n%s", tail(out, 40))
	}
}

const localLib = "package lib\n\n// Greeting is the local module's answer.\nfunc Greeting() string { return \"hello from the %s module\" }\n"

const localMain = `package main

import (
	"fmt"
	"net/http"
	"os"

	"example.com/lib"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, lib.Greeting()) })
	http.ListenAndServe(":"+os.Getenv("PORT"), nil)
}
`

const localSlim = "# syntax=org/slimfront\nlanguage = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\nport = 8080\n"

// TestGoLocalReplaceAndWorkspace builds an app whose go.mod replaces a
// module with a directory of the context, and one whose go.work uses two
// modules, each with only go.mod listed in deps; then a replace leaving
// the context, which must be an error located in go.mod.
func TestGoLocalReplaceAndWorkspace(t *testing.T) {
	requireEnv(t)
	t.Run("replace", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"slim.toml":              localSlim,
			"go.mod":                 "module example.com/app\n\ngo 1.24\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./third_party/lib\n",
			"main.go":                localMain,
			"third_party/lib/go.mod": "module example.com/lib\n\ngo 1.24\n",
			"third_party/lib/lib.go": strings.Replace(localLib, "%s", "replaced", 1),
		})
		tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml")
		if body := runImage(t, tar).get(t, "/"); !strings.Contains(body, "hello from the replaced module") {
			t.Errorf("GET / = %q", body)
		}
	})
	t.Run("workspace", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"slim.toml":  localSlim,
			"go.work":    "go 1.24\n\nuse (\n\t.\n\t./lib\n)\n",
			"go.mod":     "module example.com/app\n\ngo 1.24\n",
			"main.go":    localMain,
			"lib/go.mod": "module example.com/lib\n\ngo 1.24\n",
			"lib/lib.go": strings.Replace(localLib, "%s", "workspace", 1),
		})
		tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml")
		if body := runImage(t, tar).get(t, "/"); !strings.Contains(body, "hello from the workspace module") {
			t.Errorf("GET / = %q", body)
		}
	})
	t.Run("outside", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"slim.toml": localSlim,
			"go.mod":    "module example.com/app\n\ngo 1.24\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
			"main.go":   localMain,
		})
		out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=cacheonly")
		if err == nil {
			t.Fatalf("a replace outside the context built:\n%s", tail(out, 30))
		}
		if want := "go.mod:7: replace => ../lib: the directory is outside the build context"; !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, tail(out, 40))
		}
	})
}

// TestGoCgoPackageWithoutSettingIsAnError: the sqlite example without its
// [build.env] CGO_ENABLED fails the build naming the cgo package and the
// line to add, instead of a green image whose driver is a stub.
func TestGoCgoPackageWithoutSettingIsAnError(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-sqlite")
	slim := filepath.Join(dir, "slim.toml")
	b, err := os.ReadFile(slim)
	if err != nil {
		t.Fatal(err)
	}
	src, _, _ := strings.Cut(string(b), "[build.env]")
	if err := os.WriteFile(slim, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=cacheonly")
	if err == nil {
		t.Fatalf("a cgo package built with CGO_ENABLED=0 silently:\n%s", tail(out, 30))
	}
	for _, want := range []string{"imports packages with C code (cgo): github.com/mattn/go-sqlite3", `CGO_ENABLED = "1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, tail(out, 40))
		}
	}
}

// TestGoCgoCrossCompilesForArm64 builds the sqlite example for
// linux/arm64 on scratch with Debian's cross toolchain (no emulation: the
// start check and the closure read the ELF files as data) and checks the
// binary and its loader are aarch64 ELF files.
func TestGoCgoCrossCompilesForArm64(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "go-sqlite")
	tar, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--platform", "linux/arm64")
	images, err := readOCIImages(tar, func(name string, _ int64) bool {
		return name == "app/app" || strings.HasPrefix(name, "lib/ld-linux") || strings.Contains(name, "libc.so")
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 || images[0].Config.Architecture != "arm64" {
		t.Fatalf("want one arm64 image, got %d", len(images))
	}
	seen := 0
	for _, l := range images[0].Layers {
		for name, data := range l.Kept {
			if len(data) == 0 {
				continue // a symlink's target is in another entry
			}
			f, err := elf.NewFile(bytes.NewReader(data))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if f.Machine != elf.EM_AARCH64 {
				t.Errorf("%s: machine %v, want EM_AARCH64", name, f.Machine)
			}
			if name == "app/app" {
				if f.Section(".interp") == nil {
					t.Errorf("app/app has no interpreter: not a cgo (dynamically linked) binary")
				}
			}
			seen++
		}
	}
	if seen < 2 {
		t.Errorf("want the binary and its C library in the image, found %d ELF files", seen)
	}
}
