package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pythonPresets are the final-image presets the Python examples are built
// with end to end. alpine cannot be: no Alpine repository is reachable here
// to stand in python:<v>-alpine (presets/python has golden plans for it).
var pythonPresets = []string{"distroless", "scratch"}

// pythonExamples are the Python example directories under examples/.
var pythonExamples = []string{"python-flask", "python-falcon", "python-native"}

// TestPythonExamplesRunOnDistrolessAndScratch builds every Python example on
// distroless and scratch through `docker buildx build` (the literal
// `# syntax=org/slimfront` line) and checks the image: uid 65532, no shell, no
// pip/setuptools/wheel/git/compilers, size budget; then runs it, GETs its
// answers, and checks that SIGTERM stops it within 2 s.
func TestPythonExamplesRunOnDistrolessAndScratch(t *testing.T) {
	requireEnv(t)
	for _, ex := range pythonExamples {
		for _, preset := range pythonPresets {
			t.Run(ex+"/"+preset, func(t *testing.T) {
				t.Parallel()
				pythonExampleOnPreset(t, ex, preset)
			})
		}
	}
}

func pythonExampleOnPreset(t *testing.T, example, preset string) {
	e := loadExpect(t, repoPath("examples", example))
	dir := preparePythonExample(t, example)
	checkSyntaxLine(t, dir)
	im, tarPath := buildPresetImage(t, dir, preset)
	checkSize(t, im, e, preset)
	checkNoShell(t, im)
	checkNoBuildTools(t, im)
	checkPythonImage(t, im, preset)
	if preset == "scratch" {
		for _, f := range scratchClosureFiles[example] {
			if !im.Has(f) {
				t.Errorf("scratch image lacks %s (the shared-library closure of the venv's extension modules)", f)
			}
		}
	}
	if t.Failed() {
		return
	}

	c := runImage(t, tarPath)
	c.checkServes(t, e)
	c.checkUID(t)
	c.checkStopsOnSIGTERM(t, 2*time.Second)
}

// checkSyntaxLine makes sure the example is built through the literal syntax
// line (the frontend image), not a --frontend override.
func checkSyntaxLine(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "slim.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "# syntax=org/slimfront\n") {
		t.Fatalf("slim.toml of %s does not start with the line `# syntax=org/slimfront`", dir)
	}
}

// scratchClosureFiles are libraries that only the venv's extension modules
// load (not the interpreter): their presence proves the closure follows them.
var scratchClosureFiles = map[string][]string{
	// pyzmq's extension loads libzmq (vendored in pyzmq.libs), which loads libstdc++ and libgcc_s;
	// the closure copies them at their canonical (merged-/usr) paths, /lib is a link to usr/lib.
	"python-native": {"usr/lib/x86_64-linux-gnu/libstdc++.so.6", "usr/lib/x86_64-linux-gnu/libgcc_s.so.1"},
}

// buildToolPatterns match files that must never reach a Python image: the
// installers, build backends, VCS and compilers used in the builder.
var buildToolPatterns = regexp.MustCompile(`(^|/)site-packages/(pip|setuptools|wheel|_distutils_hack|pkg_resources|uv)(/|-[0-9])|` +
	`^opt/tools/|^usr/bin/(git|gcc|cc|g\+\+|make|pip[0-9.]*|uv)$|^usr/lib/git-core/|^usr/libexec/gcc/|^opt/venv/bin/(pip[0-9.]*|uv)$`)

func checkNoBuildTools(t *testing.T, im *ociImage) {
	t.Helper()
	var found []string
	for _, l := range im.Layers {
		for name := range l.Files {
			if buildToolPatterns.MatchString(name) {
				found = append(found, name)
			}
		}
	}
	if len(found) > 0 {
		if len(found) > 20 {
			found = append(found[:20], "...")
		}
		t.Errorf("build-only files in the final image:\n  %s", strings.Join(found, "\n  "))
	}
}

// checkPythonImage checks what each preset promises: compiled bytecode for
// the app and the venv, the SIGTERM hook, and on scratch the interpreter,
// the stdlib zip, CA certificates, tzdata and no test suite.
func checkPythonImage(t *testing.T, im *ociImage, preset string) {
	t.Helper()
	want := []string{
		"opt/venv/pyvenv.cfg",
		"opt/venv/lib/python3.13/site-packages/_slimfront_sigterm.pth",
		"opt/venv/lib/python3.13/site-packages/__pycache__/_slimfront_sigterm.cpython-313.pyc",
	}
	if preset == "scratch" {
		want = append(want, "usr/bin/python3.13", "usr/lib/python313.zip", "usr/lib/python3.13/os.py",
			"etc/ssl/certs/ca-certificates.crt", "usr/share/zoneinfo/Europe/Paris", "etc/passwd")
	}
	for _, p := range want {
		if !im.Has(p) {
			t.Errorf("image lacks %s", p)
		}
	}
	appPyc := false
	for _, l := range im.Layers {
		for name := range l.Files {
			if strings.HasPrefix(name, "app/__pycache__/") && strings.HasSuffix(name, ".pyc") {
				appPyc = true
			}
			if strings.HasPrefix(name, "usr/lib/python3.13/test/") || strings.HasPrefix(name, "usr/lib/python3.13/idlelib/") {
				if preset == "scratch" {
					t.Errorf("scratch image has the stdlib's %s", name)
				}
			}
		}
	}
	if !appPyc {
		t.Errorf("no compiled bytecode under app/__pycache__")
	}
}

// checkStopsOnSIGTERM sends SIGTERM to the container's PID 1 (what `docker
// stop` does) and fails unless the container stops within d.
func (c *container) checkStopsOnSIGTERM(t *testing.T, d time.Duration) {
	t.Helper()
	runc := runcBinary(t)
	start := time.Now()
	if out, err := exec.Command(runc, "--root", runcRoot(), "kill", c.Name, "TERM").CombinedOutput(); err != nil {
		t.Fatalf("runc kill %s TERM: %v\n%s", c.Name, err, out)
	}
	for {
		status, _ := c.state(t)
		if status != "running" {
			t.Logf("stopped (%s) %s after SIGTERM", status, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > d {
			t.Errorf("container %s still %s %s after SIGTERM (python as PID 1 ignores SIGTERM without a handler)\n%s",
				c.Name, status, d, c.logs())
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func runcBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("runc"); err == nil {
		return p
	}
	if p := filepath.Join(os.Getenv("SLIM_CACHE"), "bin", "runc"); fileExists(p) {
		return p
	}
	t.Fatal("runc not found")
	return ""
}

// preparePythonExample copies an example into a temp dir; for python-falcon
// it also serves the example's git dependency from this machine and points
// requirements.txt at it.
func preparePythonExample(t *testing.T, example string) string {
	t.Helper()
	dir := copyExample(t, example)
	if example == "python-falcon" {
		url := serveGitDependency(t, filepath.Join(dir, "gitdep", "slim-greeting"), "slim-greeting", "v1.0.0")
		rewriteRequirement(t, filepath.Join(dir, "requirements.txt"), "slim-greeting @ ", "slim-greeting @ git+"+url+"@v1.0.0")
	}
	return dir
}

// serveGitDependency makes a bare git repository of src with one commit
// tagged tag, and serves it over git's dumb HTTP protocol on 127.0.0.1 (RUN
// steps use the host network, so pip in the builder reaches it). It returns
// the repository URL.
func serveGitDependency(t *testing.T, src, name, tag string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed on the test machine to serve the git dependency")
	}
	work := t.TempDir()
	repo := filepath.Join(work, "src")
	if err := copyTree(src, repo); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(work, "serve")
	bare := filepath.Join(root, name+".git")
	env := []string{"GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com", "GIT_COMMITTER_NAME=e2e",
		"GIT_COMMITTER_EMAIL=e2e@example.com", "GIT_AUTHOR_DATE=2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2025-01-01T00:00:00Z"}
	for _, args := range [][]string{
		{"-C", repo, "init", "-q", "-b", "main"},
		{"-C", repo, "add", "."},
		{"-C", repo, "commit", "-q", "-m", "slim-greeting " + tag},
		{"-C", repo, "tag", tag},
		{"clone", "-q", "--bare", repo, bare},
		{"-C", bare, "update-server-info"},
	} {
		if out, err := runCmd(time.Minute, "", env, "git", args...); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var hits int
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.FileServer(http.Dir(root)).ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() {
		srv.Close()
		t.Logf("git dependency server answered %d requests", hits)
	})
	return fmt.Sprintf("http://%s/%s.git", l.Addr(), name)
}

// rewriteRequirement replaces the requirements line starting with prefix.
func rewriteRequirement(t *testing.T, file, prefix, line string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	found := false
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i], found = line, true
		}
	}
	if !found {
		t.Fatalf("%s has no line starting with %q", file, prefix)
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPythonRebuildReusesCache: an unchanged rebuild is fully cached, and a
// source edit recompiles the app without reinstalling the dependencies.
func TestPythonRebuildReusesCache(t *testing.T) {
	requireEnv(t)
	for _, preset := range pythonPresets {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			const example = "python-flask"
			dir := preparePythonExample(t, example)
			args := []string{"-f", "slim.toml", "--build-arg", "SLIM_PRESET=" + preset}

			requireNoOpRebuild(t, dir, "pip --python", args...)

			t.Log("build 3: edit app.py")
			src := filepath.Join(dir, "app.py")
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			const oldText, newText = `"hello from flask `, `"bonjour from flask `
			if !strings.Contains(string(b), oldText) {
				t.Fatalf("%s no longer contains %s; update this test", src, oldText)
			}
			edited := strings.Replace(string(b), oldText, newText, 1) + fmt.Sprintf("\n# edited by e2e %d\n", time.Now().UnixNano())
			if err := os.WriteFile(src, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			tarPath, out := mustBuildOCI(t, dir, args...)
			vs := parseProgress(out)
			t.Logf("steps after the edit:%s", describe(buildSteps(vs)))
			if pip := findStep(t, vs, "pip --python", out); !pip.Cached || pip.Done {
				t.Errorf("after a source edit the dependency install must stay cached: %s", pip)
			}
			if cc := findStep(t, vs, "compile.py /app", out); cc.Cached || !cc.Done {
				t.Errorf("after a source edit the app's bytecode must be recompiled: %s", cc)
			}
			c := runImage(t, tarPath)
			if body := c.get(t, "/"); !strings.Contains(body, "bonjour from flask") {
				t.Errorf("rebuilt image: GET / = %q, want the edited text", body)
			}
		})
	}
}

// TestPythonBadInputFailsWithLocatedError: a missing requirements file, an
// entrypoint module or script that is not in the context, and a version the
// base cannot provide fail with an error that names slim.toml and the key.
func TestPythonBadInputFailsWithLocatedError(t *testing.T) {
	requireEnv(t)
	const appPy = "print('hi')\n"
	cases := []struct {
		name  string
		toml  string
		files map[string]string
		want  []anyOf
	}{{
		name:  "requirements file missing",
		toml:  "language = \"python\"\nentrypoint = \"app.py\"\ndeps = [\"requirements.txt\"]\npreset = \"distroless\"\n",
		files: map[string]string{"app.py": appPy},
		want:  []anyOf{{"deps"}, {"requirements.txt"}, {`deps = ["requirements.txt"]`}, {"not found"}},
	}, {
		name:  "entrypoint script missing",
		toml:  "language = \"python\"\nentrypoint = \"main.py\"\ndeps = [\"requirements.txt\"]\npreset = \"scratch\"\n",
		files: map[string]string{"app.py": appPy, "requirements.txt": "\n"},
		want:  []anyOf{{"entrypoint"}, {"main.py"}, {`entrypoint = "main.py"`}, {"not found"}},
	}, {
		name:  "entrypoint module missing",
		toml:  "language = \"python\"\nentrypoint = [\"gunicorn\", \"web:app\"]\ndeps = [\"requirements.txt\"]\npreset = \"distroless\"\n",
		files: map[string]string{"app.py": appPy, "requirements.txt": "gunicorn==23.0.0\n"},
		want:  []anyOf{{"entrypoint"}, {`entrypoint = ["gunicorn", "web:app"]`}, {"module 'web' is not in the build context"}},
	}, {
		name:  "unsupported version",
		toml:  "language = \"python\"\nversion = \"3.10\"\nentrypoint = \"app.py\"\ndeps = [\"requirements.txt\"]\npreset = \"distroless\"\n",
		files: map[string]string{"app.py": appPy, "requirements.txt": "\n"},
		want:  []anyOf{{"version"}, {`version = "3.10"`}, {"not available"}, {"valid: 3.11, 3.12, 3.13, 3.14"}},
	}}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := map[string]string{"slim.toml": syntaxLine + tc.toml}
			for k, v := range tc.files {
				files[k] = v
			}
			writeFiles(t, dir, files)
			out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=cacheonly")
			if err == nil {
				t.Fatalf("build succeeded\n----- slim.toml -----\n%s----- buildx output -----\n%s", files["slim.toml"], out)
			}
			report := errorReport(out)
			if strings.Contains(tc.name, "module") {
				report = out // the message comes from the failing step's log
			}
			missing := lacking(report, append([]anyOf{{"slim.toml"}}, tc.want...))
			if len(missing) > 0 {
				t.Errorf("error output lacks %q\n----- buildx output -----\n%s", missing, out)
			} else {
				t.Logf("error report:\n%s", strings.TrimSpace(errorReport(out)))
			}
		})
	}
}

// TestPythonImageIsReproducible builds the flask example on scratch twice
// without the build cache (SOURCE_DATE_EPOCH and rewrite-timestamp take care
// of file times): hash-based bytecode, the sorted and dated stdlib zip and
// pinned dependencies must give the same image digest.
func TestPythonImageIsReproducible(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := preparePythonExample(t, "python-flask")
	var digests []string
	for i := 0; i < 2; i++ {
		tar := filepath.Join(t.TempDir(), "img.tar")
		out, err := buildx(t, dir, "-f", "slim.toml", "--no-cache", "--build-arg", "SLIM_PRESET=scratch",
			"--build-arg", "SOURCE_DATE_EPOCH=0", "--output", "type=oci,dest="+tar+",name=app:latest,rewrite-timestamp=true")
		if err != nil {
			t.Fatalf("build %d failed: %v\n%s", i+1, err, out)
		}
		images, err := readOCIImages(tar, nil)
		if err != nil || len(images) != 1 {
			t.Fatalf("build %d: %v (%d images)", i+1, err, len(images))
		}
		var layers []string
		for _, l := range images[0].Layers {
			layers = append(layers, l.Digest)
		}
		digests = append(digests, strings.Join(layers, " "))
	}
	if digests[0] != digests[1] {
		t.Errorf("two builds without cache differ:\n  %s\n  %s", digests[0], digests[1])
	}
}
