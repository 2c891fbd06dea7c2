package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/slimfront/slimfront/internal/ocitar"
	"github.com/slimfront/slimfront/presets/all"
)

// Result is what was measured for one variant.
type Result struct {
	Uncompressed, Compressed int64
	Layers                   int
	User                     string // image config user ("" = root)
	Certs                    bool   // /etc/ssl/certs/ca-certificates.crt in the image
	Cold, Noop, Src, Dep     []time.Duration
	FrontendHWM              int64 // peak VmHWM of a slimfront process during this variant's builds, bytes
	Err                      string
}

func (r Result) ok() bool { return r.Err == "" && r.Uncompressed > 0 }

// runner builds variants on the private daemon.
type runner struct {
	d       *daemon
	tmp     string
	noops   int // no-op rebuilds per repetition
	logf    func(format string, a ...any)
	counter int
}

// measure runs one repetition for v: a fresh copy of the app, an empty
// cache, then cold, no-op, source-edit and dependency-edit builds.
func (r *runner) measure(ctx context.Context, v *Variant, rep int) error {
	r.counter++
	work := filepath.Join(r.tmp, fmt.Sprintf("%s-%s-%s-%d", v.App.Name, strings.ReplaceAll(v.Kind, " ", "-"), v.Name, rep))
	src := filepath.Join(work, "src")
	if err := copyDir(v.App.Dir, src); err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := r.d.prune(ctx); err != nil {
		return err
	}
	tar := filepath.Join(work, "image.tar")
	build := func(phase string) (time.Duration, error) {
		return r.build(ctx, v, src, tar, filepath.Join(work, phase+".log"))
	}
	res := &v.Result
	t, err := build("cold")
	if err != nil {
		return err
	}
	res.Cold = append(res.Cold, t)
	if res.Uncompressed == 0 {
		if err := res.readImage(tar); err != nil {
			return err
		}
	}
	if v.SizeOnly {
		return nil
	}
	for i := 0; i < r.noops; i++ {
		t, err := build(fmt.Sprintf("noop%d", i))
		if err != nil {
			return err
		}
		res.Noop = append(res.Noop, t)
	}
	nonce := fmt.Sprintf("%d-%d", os.Getpid(), r.counter)
	srcFile, err := sourceFile(v.App, src)
	if err != nil {
		return err
	}
	if err := appendEdit(srcFile, nonce); err != nil {
		return err
	}
	if t, err = build("src"); err != nil {
		return err
	}
	res.Src = append(res.Src, t)
	if len(v.App.Deps) == 0 {
		return fmt.Errorf("slim.toml names no deps: cannot measure a dependency edit")
	}
	if err := appendEdit(filepath.Join(src, v.App.Deps[0]), nonce); err != nil {
		return err
	}
	if t, err = build("dep"); err != nil {
		return err
	}
	res.Dep = append(res.Dep, t)
	return nil
}

// build runs one `docker buildx build` and returns its wall time, which
// includes the OCI tar export (the only way to get an image here).
func (r *runner) build(ctx context.Context, v *Variant, src, tar, logPath string) (time.Duration, error) {
	args := []string{"buildx", "build", "--progress=plain", "--provenance=false",
		"--output", "type=oci,dest=" + tar + ",name=bench:latest"}
	switch v.Kind {
	case KindSlim:
		args = append(args, "-f", filepath.Join(src, "slim.toml"), "--build-arg", "SLIM_PRESET="+v.Preset)
	default:
		args = append(args, "-f", v.Dockerfile)
		args = append(args, v.App.buildArgs()...)
	}
	args = append(args, src)
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), "BUILDX_BUILDER="+r.d.builder)
	logf, err := os.Create(logPath)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	var stopMem func() int64
	if v.Kind == KindSlim {
		stopMem = sampleFrontend(r.d.pid())
	}
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if stopMem != nil {
		if hwm := stopMem(); hwm > v.Result.FrontendHWM {
			v.Result.FrontendHWM = hwm
		}
	}
	if err != nil {
		b, _ := os.ReadFile(logPath)
		return took, fmt.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, tail(string(b), 25))
	}
	return took, nil
}

func (res *Result) readImage(tar string) error {
	l, err := ocitar.Open(tar)
	if err != nil {
		return err
	}
	if len(l.Images) == 0 {
		return fmt.Errorf("%s: no image", tar)
	}
	img := l.Images[0]
	res.Uncompressed, res.Compressed, res.Layers = img.Uncompressed(), img.Compressed(), len(img.Layers)
	res.User = img.Config.Config.User
	files, err := l.Files(img)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Name == "etc/ssl/certs/ca-certificates.crt" {
			res.Certs = true
		}
	}
	return nil
}

// sourceFile is the file a "source edit" touches: the entrypoint if it is a
// file, else the first source file of the entrypoint directory.
func sourceFile(a *App, src string) (string, error) {
	ext := "" // a language without a preset: any file
	if p, ok := all.Registry().Lookup(a.Language); ok {
		ext = p.Info().SourceExt
	}
	entry := filepath.Join(src, a.Entry)
	if fi, err := os.Stat(entry); err == nil && !fi.IsDir() {
		return entry, nil
	}
	var found []string
	walkRoot := src
	if fi, err := os.Stat(entry); err == nil && fi.IsDir() {
		walkRoot = entry
	}
	err := filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".venv") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ext) && !strings.HasSuffix(p, "_test.go") {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(found) == 0 {
		return "", fmt.Errorf("%s: no %s source file to edit", a.Name, ext)
	}
	sort.Strings(found)
	return found[0], nil
}

// appendEdit changes a file without changing what it means: a comment line
// (or, for JSON, an extra top-level field that npm ignores).
func appendEdit(path, nonce string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	switch ext := filepath.Ext(path); {
	case ext == ".json":
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return fmt.Errorf("%s: not a JSON object", path)
		}
		s = s[:i+1] + fmt.Sprintf("\n  \"x-bench-edit\": %q,", nonce) + s[i+1:]
	case ext == ".go" || ext == ".js" || ext == ".mod" || ext == ".ts" || filepath.Base(path) == "go.mod":
		s += "\n// bench edit " + nonce + "\n"
	default: // .py, requirements.txt, .toml, .cfg
		s += "\n# bench edit " + nonce + "\n"
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, fi.Mode().Perm())
	})
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
