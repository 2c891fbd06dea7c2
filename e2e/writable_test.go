package e2e

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// [run] writable in every language (issue 14): a Go app on scratch (no
// sources in the image: the directory is made for it) and a Node app on
// distroless whose sources put a seed file in the directory (the file
// must be the runtime user's too) each write their state there as 65532,
// may not create files elsewhere in /app, and the image config declares
// the directory as a volume. examples/python-sqlite covers Python
// (TestWritableDirectoryForState).
// The owners are also checked in the image's layers. (hack/run-image runs
// the container on the image's directory, as Docker's new volume would
// hold it: umoci's own empty tmpfs there is dropped.)

const writableGo = `package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"syscall"
)

// Appends a line to data/visits.log on every request and reports the
// count, the file's owner, its own uid and whether /app itself is writable.
func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f, err := os.OpenFile("data/visits.log", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprintln(f, "visit")
		f.Close()
		b, _ := os.ReadFile("data/visits.log")
		st, _ := os.Stat("data/visits.log")
		_, appErr := os.Create("/app/not-mine.txt")
		fmt.Fprintf(w, "visit %d, data/visits.log owned by uid %d, written as uid %d, /app writable %v\n",
			strings.Count(string(b), "\n"), st.Sys().(*syscall.Stat_t).Uid, os.Getuid(), appErr == nil)
	})
	log.Fatal(http.ListenAndServe(":"+os.Getenv("PORT"), nil))
}
`

const writableNode = `const fs = require("fs");
const http = require("http");
// data/state.json comes with the sources: every request rewrites it in place.
const file = "data/state.json";
http.createServer((req, res) => {
  const state = JSON.parse(fs.readFileSync(file, "utf8"));
  state.visits += 1;
  fs.writeFileSync(file, JSON.stringify(state));
  let appWritable = true;
  try { fs.writeFileSync("/app/not-mine.txt", "x"); } catch (e) { appWritable = false; }
  res.end("visit " + state.visits + ", " + file + " owned by uid " + fs.statSync(file).uid +
    ", written as uid " + process.getuid() + ", /app writable " + appWritable + "\n");
}).listen(process.env.PORT || 3000);
`

func TestWritableDirectoryInGoAndNode(t *testing.T) {
	requireEnv(t)
	cases := []struct {
		name, preset, file string
		files              map[string]string
		owned              []string // paths in the image the runtime user must own
	}{
		{"go", "scratch", "data/visits.log", map[string]string{
			"slim.toml": "# syntax=org/slimfront\nlanguage = \"go\"\nentrypoint = \".\"\ndeps = [\"go.mod\"]\npreset = \"scratch\"\nport = 8080\n[run]\nwritable = [\"data\"]\n",
			"go.mod":    "module example.com/notes\n\ngo 1.24\n",
			"main.go":   writableGo,
		}, []string{"app/data"}},
		{"node", "distroless", "data/state.json", map[string]string{
			"slim.toml":         "# syntax=org/slimfront\nlanguage = \"node\"\nentrypoint = \"server.js\"\ndeps = [\"package.json\", \"package-lock.json\"]\npreset = \"distroless\"\nport = 3000\n[run]\nwritable = [\"data\"]\n",
			"package.json":      `{"name": "notes", "version": "1.0.0", "private": true}` + "\n",
			"package-lock.json": `{"name": "notes", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "notes", "version": "1.0.0"}}}` + "\n",
			"server.js":         writableNode,
			"data/state.json":   `{"visits": 0}`,
		}, []string{"app/data", "app/data/state.json"}},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.preset, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, c.files)
			tarPath, _ := mustBuildOCI(t, dir, "-f", "slim.toml")
			l, err := ocitar.Open(tarPath)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Images) != 1 {
				t.Fatalf("%d images, want 1", len(l.Images))
			}
			checkVolumes(t, l.Images[0], "/app/data")
			files, err := l.Files(l.Images[0])
			if err != nil {
				t.Fatal(err)
			}
			owners := map[string]int{}
			for _, f := range files {
				owners[strings.TrimSuffix(f.Name, "/")] = f.UID
			}
			for _, p := range c.owned {
				if uid, ok := owners[p]; !ok || uid != 65532 {
					t.Errorf("%s in the image: present %v, uid %d; want 65532", p, ok, uid)
				}
			}
			if uid := owners["app"]; uid != 0 {
				t.Errorf("app is owned by uid %d; want root's", uid)
			}
			c2 := runImage(t, tarPath)
			c2.checkUID(t)
			want := regexp.MustCompile(`^visit 1, ` + regexp.QuoteMeta(c.file) + ` owned by uid 65532, written as uid 65532, /app writable false\n$`)
			if body := c2.get(t, "/"); !want.MatchString(body) {
				t.Errorf("first GET / = %q, want %s", body, want)
			}
			if body := c2.get(t, "/"); !regexp.MustCompile(`^visit 2, `).MatchString(body) {
				t.Errorf("second GET / = %q, want visit 2 (the state persists)", body)
			}
		})
	}
}

// checkVolumes fails t unless the image config's Volumes are exactly want.
func checkVolumes(t *testing.T, img ocitar.Image, want ...string) {
	t.Helper()
	var vols []string
	for v := range img.Config.Config.Volumes {
		vols = append(vols, v)
	}
	slices.Sort(vols)
	if !slices.Equal(vols, want) {
		t.Errorf("image config volumes = %q, want %q", vols, want)
	}
}
