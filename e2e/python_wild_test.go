package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// Python apps shaped like real projects (issue 14): a Django site whose
// static files need `manage.py collectstatic` at build time, projects
// locked with poetry, pdm and pipenv, and a uv project that is itself a
// package run by its own console script. Each is an example under
// examples/, built through `docker buildx build` with the literal
// `# syntax=org/slimfront` line, run, and asked over HTTP.

// devPackage matches the dev groups' test runner anywhere in an image: a
// dev group that reached the image shows here.
var devPackage = regexp.MustCompile(`(^|/)site-packages/(pytest|_pytest|pluggy|iniconfig)(/|-[0-9])`)

func checkNoDevPackages(t *testing.T, im *ociImage) {
	t.Helper()
	for _, l := range im.Layers {
		for name := range l.Files {
			if devPackage.MatchString(name) {
				t.Errorf("dev-group package in the image: %s", name)
			}
		}
	}
}

// TestDjangoCollectstaticAtBuildTime: examples/python-django's [build]
// script runs collectstatic with the venv and the sources; the page links
// the content-hashed stylesheet from the manifest (without it Django
// answers 500), and WhiteNoise serves that file from the image as text/css.
// Then a template edit rebuilds with the dependency install CACHED.
func TestDjangoCollectstaticAtBuildTime(t *testing.T) {
	requireEnv(t)
	for _, preset := range pythonPresets {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			e := loadExpect(t, repoPath("examples", "python-django"))
			dir := copyExample(t, "python-django")
			checkSyntaxLine(t, dir)
			im, tarPath := buildPresetImage(t, dir, preset)
			checkSize(t, im, e, preset)
			checkNoShell(t, im)
			checkNoBuildTools(t, im)
			for _, f := range []string{"app/collected/staticfiles.json", "app/collected/catalog/shelf.css"} {
				if !im.Has(f) {
					t.Errorf("image lacks %s, which collectstatic writes", f)
				}
			}
			// Django's sqlite3 backend (the settings' database) imports
			// sqlite3: its extension module and library stay on scratch
			if preset == "scratch" && (!hasModule(im, "_sqlite3") || !hasLib(im, "libsqlite3.so")) {
				t.Errorf("scratch image lacks _sqlite3 (%v) or libsqlite3 (%v), which Django's sqlite3 backend loads", hasModule(im, "_sqlite3"), hasLib(im, "libsqlite3.so"))
			}
			if t.Failed() {
				return
			}
			c := runImage(t, tarPath)
			c.checkServes(t, e)
			c.checkUID(t)
			css := regexp.MustCompile(`/static/catalog/shelf\.[0-9a-f]{12}\.css`).FindString(c.get(t, "/"))
			if css == "" {
				t.Fatal("the page links no hashed stylesheet")
			}
			resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d%s", c.Port, css))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
				t.Errorf("GET %s = %d %q, want 200 text/css", css, resp.StatusCode, resp.Header.Get("Content-Type"))
			}

			tpl := filepath.Join(dir, "catalog", "templates", "catalog", "shelf.html")
			if err := os.WriteFile(tpl, append(mustRead(t, tpl), fmt.Sprintf("\n<!-- edited %d -->\n", time.Now().UnixNano())...), 0o644); err != nil {
				t.Fatal(err)
			}
			_, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+preset)
			if !cachedStep(out, "pip --python /opt/venv/bin/python install") {
				t.Errorf("after a template edit the dependency install ran again (want CACHED)")
			}
			if cachedStep(out, "collectstatic") {
				t.Errorf("after a template edit collectstatic was CACHED (want it to run on the new sources)")
			}
		})
	}
}

// TestLockedProjectsInstallTheMainGroupOnly builds the poetry, pdm, pipenv
// and uv-package examples: each answers, and no dev-group package (pytest)
// is in the image or importable (the apps report find_spec("pytest")). The
// uv package is run by its own console script and imports from the venv's
// site-packages (installed, not editable, not /app/src).
func TestLockedProjectsInstallTheMainGroupOnly(t *testing.T) {
	requireEnv(t)
	for _, ex := range []string{"python-poetry", "python-pdm", "python-pipenv", "python-uv-package"} {
		for _, preset := range pythonPresets {
			t.Run(ex+"/"+preset, func(t *testing.T) {
				t.Parallel()
				e := loadExpect(t, repoPath("examples", ex))
				dir := copyExample(t, ex)
				checkSyntaxLine(t, dir)
				im, tarPath := buildPresetImage(t, dir, preset)
				checkSize(t, im, e, preset)
				checkNoBuildTools(t, im)
				checkNoDevPackages(t, im)
				for _, l := range im.Layers {
					for name := range l.Files {
						if regexp.MustCompile(`(^|/)site-packages/(poetry|pdm|pipenv|hatchling)(/|-[0-9])`).MatchString(name) {
							t.Errorf("package manager or build backend in the image: %s", name)
						}
					}
				}
				if ex == "python-uv-package" && !im.Has("opt/venv/bin/greeter-serve") {
					t.Errorf("the project's console script opt/venv/bin/greeter-serve is not in the image")
				}
				if t.Failed() {
					return
				}
				c := runImage(t, tarPath)
				c.checkServes(t, e)
				c.checkUID(t)
			})
		}
	}
}

// TestPackageSourceEditKeepsDependenciesCached: editing the uv package's
// sources rebuilds the project (its answer changes) while `uv sync` stays
// CACHED.
func TestPackageSourceEditKeepsDependenciesCached(t *testing.T) {
	requireEnv(t)
	dir := copyExample(t, "python-uv-package")
	buildPresetImage(t, dir, "distroless")
	src := filepath.Join(dir, "src", "greeter", "__init__.py")
	if err := os.WriteFile(src, []byte(fmt.Sprintf("__version__ = \"1.2.1\"  # edited %d\n", time.Now().UnixNano())), 0o644); err != nil {
		t.Fatal(err)
	}
	tarPath, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET=distroless")
	if cachedStep(out, "--root /projroot .") {
		t.Errorf("after a source edit the project install was CACHED (want it rebuilt)")
	}
	if !cachedStep(out, "uv sync") {
		t.Errorf("after a source edit `uv sync` ran again (want CACHED)")
	}
	c := runImage(t, tarPath)
	if body := c.get(t, "/"); !strings.Contains(body, "hello from greeter 1.2.1 in /opt/venv/") {
		t.Errorf("GET / = %q after the edit, want the rebuilt package 1.2.1", body)
	}
}

// TestStaleLockfilesFailTheBuild: a dependency added to the manifest but
// not to the lockfile fails the build with the manager's own command to
// run, at the deps key.
func TestStaleLockfilesFailTheBuild(t *testing.T) {
	requireEnv(t)
	cases := []struct{ ex, file, old, new, want string }{
		{"python-poetry", "pyproject.toml", `"bottle==0.13.4"`, `"bottle==0.13.4", "six==1.17.0"`, "run `poetry lock`"},
		{"python-pdm", "pyproject.toml", `"bottle==0.13.4"`, `"bottle==0.13.4", "six==1.17.0"`, "run `pdm lock`"},
		{"python-pipenv", "Pipfile", `bottle = "==0.13.4"`, "bottle = \"==0.13.4\"\nsix = \"==1.17.0\"", "run `pipenv lock`"},
		{"python-uv-package", "pyproject.toml", `"bottle==0.13.4"`, `"bottle==0.13.4", "six==1.17.0"`, "needs to be updated"},
	}
	for _, c := range cases {
		t.Run(c.ex, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, c.ex)
			p := filepath.Join(dir, c.file)
			b := string(mustRead(t, p))
			if !strings.Contains(b, c.old) {
				t.Fatalf("%s has no %s", c.file, c.old)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(b, c.old, c.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"))
			if err == nil {
				t.Fatalf("build with a stale lockfile succeeded\n%s", out)
			}
			if !strings.Contains(out, c.want) || !strings.Contains(out, "slim.toml:4") {
				t.Errorf("build output lacks %q at slim.toml:4 (deps)\n%s", c.want, out)
			}
		})
	}
}

// TestWritableDirectoryForState: examples/python-sqlite opens data/visits.db
// at start-up and on every request; [run] writable = ["data"] makes the
// directory the runtime user's, so it starts as 65532 on both bases, the
// file is created by and owned by 65532, and a second visit counts 2. The
// rest of /app stays root's, and the image config declares /app/data as
// a volume.
func TestWritableDirectoryForState(t *testing.T) {
	requireEnv(t)
	for _, preset := range pythonPresets {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			e := loadExpect(t, repoPath("examples", "python-sqlite"))
			dir := copyExample(t, "python-sqlite")
			checkSyntaxLine(t, dir)
			im, tarPath := buildPresetImage(t, dir, preset)
			checkSize(t, im, e, preset)
			l, err := ocitar.Open(tarPath)
			if err != nil {
				t.Fatal(err)
			}
			checkVolumes(t, l.Images[0], "/app/data")
			c := runImage(t, tarPath)
			c.checkServes(t, e)
			c.checkUID(t)
			if body := c.get(t, "/"); !strings.HasPrefix(body, "visit 2, data/visits.db") {
				t.Errorf("second GET / = %q, want visit 2 (the file persists between requests)", body)
			}
			if code, out := c.exec(t, 10*time.Second, "/opt/venv/bin/python", "-c", "import os; os.open('/app/app.py', os.O_WRONLY)"); code == 0 {
				t.Errorf("the runtime user can write /app/app.py: only [run] writable directories should be its own\n%s", out)
			}
		})
	}
}

// distInfoRE matches a distribution's metadata directory in the venv's
// site-packages: name and version.
var distInfoRE = regexp.MustCompile(`^opt/venv/lib/python3\.[0-9]+/site-packages/([^/]+)-([^/-]+)\.dist-info/METADATA$`)

// installedDists reads the distributions installed in the image's venv
// from the OCI layout at tarPath (internal/ocitar): normalised name ->
// version, from each *.dist-info/METADATA.
func installedDists(t *testing.T, tarPath string) map[string]string {
	t.Helper()
	l, err := ocitar.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Images) != 1 {
		t.Fatalf("%d images in %s, want 1", len(l.Images), tarPath)
	}
	files, err := l.Files(l.Images[0])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		if m := distInfoRE.FindStringSubmatch(strings.TrimPrefix(f.Name, "./")); m != nil {
			out[strings.ReplaceAll(strings.ToLower(m[1]), "-", "_")] = m[2]
		}
	}
	return out
}

// TestLayeredRequirementsInstallTheProductionSet: examples/python-layered-requirements
// lists only requirements/prod.txt in deps; its -r base.txt and -c
// constraints.txt are followed, so the venv holds exactly Flask's and
// gunicorn's distributions, at the versions constraints.txt pins
// (Werkzeug 3.1.3, MarkupSafe 3.0.2, older than the newest), with nothing
// of dev.txt (pytest) and no package a constraint alone names (pluggy).
// The app answers with those versions; a source edit keeps pip's install
// CACHED (the included files are dependency manifests, not sources).
func TestLayeredRequirementsInstallTheProductionSet(t *testing.T) {
	requireEnv(t)
	want := map[string]string{
		"flask": "3.1.1", "werkzeug": "3.1.3", "markupsafe": "3.0.2", "gunicorn": "23.0.0",
		"jinja2": "", "itsdangerous": "", "click": "", "blinker": "", "packaging": "",
	}
	for _, preset := range pythonPresets {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			e := loadExpect(t, repoPath("examples", "python-layered-requirements"))
			dir := copyExample(t, "python-layered-requirements")
			checkSyntaxLine(t, dir)
			im, tarPath := buildPresetImage(t, dir, preset)
			checkSize(t, im, e, preset)
			checkNoDevPackages(t, im)
			got := installedDists(t, tarPath)
			for name, v := range want {
				if gv, ok := got[name]; !ok || (v != "" && gv != v) {
					t.Errorf("venv has %s %q, want %q", name, gv, v)
				}
			}
			for name, v := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("venv has %s %s, which is not in the production set", name, v)
				}
			}
			if t.Failed() {
				return
			}
			c := runImage(t, tarPath)
			c.checkServes(t, e)
			c.checkUID(t)

			app := filepath.Join(dir, "app.py")
			if err := os.WriteFile(app, append(mustRead(t, app), fmt.Sprintf("\n# edited %d\n", time.Now().UnixNano())...), 0o644); err != nil {
				t.Fatal(err)
			}
			_, out := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+preset)
			if !cachedStep(out, "pip --python /opt/venv/bin/python install") {
				t.Errorf("after a source edit the dependency install ran again (want CACHED)")
			}
		})
	}
}

// TestBadRequirementsIncludeFailsAtItsLine: an -r whose file is missing,
// and a -c leaving the build context, fail before anything runs, at the
// deps line of slim.toml, naming the requirements file and line.
func TestBadRequirementsIncludeFailsAtItsLine(t *testing.T) {
	requireEnv(t)
	t.Parallel()
	dir := copyExample(t, "python-layered-requirements")
	prod := filepath.Join(dir, "requirements", "prod.txt")
	if err := os.WriteFile(prod, append(mustRead(t, prod), "-r extras.txt\n-c ../../site-constraints.txt\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := buildx(t, dir, "-f", "slim.toml", "--output", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"))
	if err == nil {
		t.Fatalf("build with a missing include succeeded\n%s", out)
	}
	for _, want := range []string{
		"slim.toml:6",
		"requirements/prod.txt:5: -r extras.txt: requirements/extras.txt is not in the build context",
		"requirements/prod.txt:6: -c ../../site-constraints.txt leaves the build context",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("build output lacks %q\n%s", want, out)
		}
	}
}

// fixedPortMu serialises containers that listen on a port of their own
// choosing (runImageOnPort).
var fixedPortMu sync.Mutex

// runImageOnPort starts the OCI tarball with hack/run-image for an app
// that listens on port whatever PORT says (the port is checked free
// first), and stops it when the test ends.
func runImageOnPort(t *testing.T, ociTar string, port int) *container {
	t.Helper()
	if l, err := net.Listen("tcp", fmt.Sprintf(":%d", port)); err != nil {
		t.Fatalf("port %d, where the image listens, is in use on the host: %v", port, err)
	} else {
		l.Close()
	}
	name := fmt.Sprintf("e2e-%d-fixed-%d", os.Getpid(), port)
	out, err := runCmd(time.Minute, "", nil, repoPath("hack", "run-image"), ociTar, name, fmt.Sprintf("PORT=%d", port))
	t.Cleanup(func() {
		if o, err := runCmd(time.Minute, "", nil, repoPath("hack", "stop-image"), name); err != nil {
			t.Logf("hack/stop-image %s: %v\n%s", name, err, o)
		}
	})
	if err != nil {
		t.Fatalf("hack/run-image %s %s: %v\n%s", ociTar, name, err, out)
	}
	return &container{Name: name, Port: port}
}

// TestFastAPIFromInitDescriptor: `slim init` on examples/python-fastapi
// (without its slim.toml) finds the FastAPI app object and writes uvicorn
// as the entrypoint; that descriptor builds, the image answers GET / with
// the versions from PyPI, validates a POST body with pydantic (422 for a
// bad one) and holds no build tool. The committed slim.toml is the one
// init writes (TestInitReproducesExamples checks it stays so).
func TestFastAPIFromInitDescriptor(t *testing.T) {
	requireEnv(t)
	for _, preset := range pythonPresets {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			e := loadExpect(t, repoPath("examples", "python-fastapi"))
			dir := copyExample(t, "python-fastapi")
			if err := os.Remove(filepath.Join(dir, "slim.toml")); err != nil {
				t.Fatal(err)
			}
			if out, err := runCmd(time.Minute, dir, nil, slimBin(t), "init", "--preset", preset, "."); err != nil {
				t.Fatalf("slim init: %v\n%s", err, out)
			}
			written := string(mustRead(t, filepath.Join(dir, "slim.toml")))
			if !strings.Contains(written, `entrypoint = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]`) {
				t.Fatalf("slim init wrote no uvicorn entrypoint:\n%s", written)
			}
			im, tarPath := buildPresetImage(t, dir, preset)
			checkSize(t, im, e, preset)
			checkNoBuildTools(t, im)
			if t.Failed() {
				return
			}
			// uvicorn listens where its argv says (it reads no PORT): run
			// the containers one at a time on that port.
			fixedPortMu.Lock()
			t.Cleanup(fixedPortMu.Unlock) // after the container's stop (cleanups run last-in first-out)
			c := runImageOnPort(t, tarPath, e.Port)
			c.checkServes(t, e)
			c.checkUID(t)
			for _, q := range []struct {
				body string
				code int
				want string
			}{
				{`{"item":"tea","quantity":3,"unit_cents":250}`, 200, `{"item":"tea","total_cents":750}`},
				{`{"item":"","quantity":0,"unit_cents":250}`, 422, `"loc":["body","item"]`},
			} {
				resp, err := (&http.Client{Timeout: 5 * time.Second}).Post(fmt.Sprintf("http://127.0.0.1:%d/quote", c.Port), "application/json", strings.NewReader(q.body))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != q.code || !strings.Contains(string(b), q.want) {
					t.Errorf("POST /quote %s = %d %s, want %d with %s", q.body, resp.StatusCode, b, q.code, q.want)
				}
			}
		})
	}
}
