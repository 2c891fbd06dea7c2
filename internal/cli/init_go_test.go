package cli

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
	"github.com/slimfront/slimfront/presets/presettest"
)

// goRepo is a repository shaped like a real one: two binaries under cmd/,
// a vendored module no proxy serves, with C code (cgo) that only the
// worker imports, and a go.work.
var goRepo = map[string]string{
	"go.mod":  "module example.com/repo\n\ngo 1.24\n\nrequire corp.example.internal/cstats v1.0.0\n",
	"go.work": "go 1.24\n\nuse .\n",
	"cmd/api/main.go": `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "api") })
	http.ListenAndServe(":"+os.Getenv("PORT"), nil)
}
`,
	"cmd/worker/main.go":                            "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/repo/internal/jobs\"\n)\n\nfunc main() { fmt.Println(jobs.Run()) }\n",
	"internal/jobs/jobs.go":                         "package jobs\n\nimport \"corp.example.internal/cstats\"\n\n// Run runs the jobs.\nfunc Run() int { return cstats.Sum(2, 3) }\n",
	"vendor/modules.txt":                            "# corp.example.internal/cstats v1.0.0\n## explicit\ncorp.example.internal/cstats\n",
	"vendor/corp.example.internal/cstats/cstats.go": "package cstats\n\n/*\nstatic int sum(int a, int b) { return a + b; }\n*/\nimport \"C\"\n\n// Sum adds in C.\nfunc Sum(a, b int) int { return int(C.sum(C.int(a), C.int(b))) }\n",
	"go.work.sum":                                   "",
}

// hostGoBuild runs the go build step of the Plan the written slim.toml in
// dir makes (build args applied) on this machine, with the build stage's
// environment and the network of the Go toolchain off (GOPROXY=off), and
// returns the binary's path.
func hostGoBuild(t *testing.T, dir string, buildArgs map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not on PATH: the cgo build needs it (the golang build image has it)")
	}
	src, err := os.ReadFile(filepath.Join(dir, "slim.toml"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := all.Registry().Load(presets.Request{File: "slim.toml", Source: src, BuildArgs: buildArgs, Build: presettest.Amd64})
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	build := presettest.Stage(t, l.Plans[0], "build")
	var run *llbgen.Run
	for _, s := range build.Steps {
		if s.Run != nil && s.Run.Argv[0] == "go" {
			run = s.Run
		}
	}
	if run == nil {
		t.Fatal("no go build step")
	}
	bin := filepath.Join(t.TempDir(), "bin")
	argv := slices.Clone(run.Argv)
	argv[slices.Index(argv, "-o")+1] = bin
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=")
	for _, kv := range build.Env {
		cmd.Env = append(cmd.Env, kv.Key+"="+kv.Value)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s\nslim.toml:\n%s", strings.Join(argv, " "), err, out, src)
	}
	return bin
}

func TestInitWritesWhatAGoRepoNeedsAndItBuilds(t *testing.T) {
	dir := presettest.Tree(t, goRepo)
	code, out, errOut := runCLI("init", dir)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	app := parseWritten(t, dir)
	written, _ := os.ReadFile(filepath.Join(dir, "slim.toml"))
	if app.Entrypoint.Path != "cmd/api" {
		t.Errorf("entrypoint %q, want the first cmd/*, cmd/api", app.Entrypoint.Path)
	}
	if want := []string{"go.mod", "go.work", "go.work.sum", "vendor/modules.txt"}; !slices.Equal(app.Deps, want) {
		t.Errorf("deps %q, want %q", app.Deps, want)
	}
	if !slices.ContainsFunc(app.Build.Env, func(kv descriptor.KV) bool { return kv.Key == "CGO_ENABLED" && kv.Value == "1" }) {
		t.Errorf("no [build.env] CGO_ENABLED = \"1\" for the worker's cgo dependency:\n%s", written)
	}
	for _, want := range []string{"./cmd/worker imports corp.example.internal/cstats", "--build-arg SLIM_ENTRYPOINT=./cmd/worker"} {
		if !strings.Contains(string(written), want) {
			t.Errorf("slim.toml lacks %q:\n%s", want, written)
		}
	}
	// Both binaries build from the written descriptor, offline, with cgo.
	var worker string
	for _, args := range []map[string]string{nil, {"SLIM_ENTRYPOINT": "./cmd/worker"}} {
		bin := hostGoBuild(t, dir, args)
		worker = bin
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		interp := slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP })
		f.Close()
		if !interp {
			t.Errorf("%v: a cgo build links the C library dynamically (PT_INTERP), got a static binary", args)
		}
	}
	if out, err := exec.Command(worker).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "5" {
		t.Errorf("worker: %q, %v; want 5 (2+3 in C)", out, err)
	}
}
