package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slimfront/slimfront/internal/ocitar"
)

// The Dockerfile `slim dockerfile` renders, built by the standard Dockerfile
// frontend, must give the same final filesystem and config as slimfront.
func TestEjectedDockerfileBuildsTheSameImage(t *testing.T) {
	requireEnv(t)
	for _, tc := range []struct{ example, preset string }{
		{"go-hello", "scratch"},
		{"go-router", "distroless"},
		{"go-router", "alpine"},
	} {
		t.Run(tc.example+"/"+tc.preset, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t, tc.example)
			viaFrontend, _ := mustBuildOCI(t, dir, "-f", "slim.toml", "--build-arg", "SLIM_PRESET="+tc.preset)

			df, err := runCmd(2*time.Minute, repoPath(), nil, "go", "run", "./cmd/slim", "dockerfile",
				"-f", filepath.Join(dir, "slim.toml"), "--preset", tc.preset)
			if err != nil {
				t.Fatalf("slim dockerfile: %v\n%s", err, df)
			}
			dfPath := filepath.Join(t.TempDir(), "Dockerfile")
			if err := os.WriteFile(dfPath, []byte(df), 0o644); err != nil {
				t.Fatal(err)
			}
			viaDockerfile, out := mustBuildOCI(t, dir, "-f", dfPath)
			if !strings.Contains(out, "docker/dockerfile") {
				t.Logf("note: build output does not mention the dockerfile frontend")
			}

			a, b := summarize(t, viaFrontend), summarize(t, viaDockerfile)
			if !reflect.DeepEqual(a.config, b.config) {
				t.Errorf("config differs:\nslimfront:  %v\ndockerfile: %v", a.config, b.config)
			}
			for _, d := range diffFiles(a.files, b.files) {
				t.Errorf("file differs: %s", d)
			}
			if t.Failed() {
				t.Logf("rendered Dockerfile:\n%s", df)
				return
			}
			e := loadExpect(t, repoPath("examples", tc.example))
			c := runImage(t, viaDockerfile)
			c.checkServes(t, e)
			c.checkUID(t)
		})
	}
}

type imageSummary struct {
	config map[string]string
	files  map[string]string // path -> "type mode uid:gid size"
}

func summarize(t *testing.T, tarPath string) imageSummary {
	t.Helper()
	l, err := ocitar.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Images) != 1 {
		t.Fatalf("%s: want 1 image, got %d", tarPath, len(l.Images))
	}
	img := l.Images[0]
	c := img.Config.Config
	env := append([]string(nil), c.Env...)
	sort.Strings(env)
	var ports []string
	for p := range c.ExposedPorts {
		ports = append(ports, p)
	}
	sort.Strings(ports)
	s := imageSummary{
		config: map[string]string{
			"entrypoint": fmt.Sprint(c.Entrypoint), "cmd": fmt.Sprint(c.Cmd), "user": c.User,
			"workdir": c.WorkingDir, "env": strings.Join(env, " "), "ports": strings.Join(ports, " "),
			"language": c.Labels["dev.slimfront.language"], "preset": c.Labels["dev.slimfront.preset"],
		},
		files: map[string]string{},
	}
	files, err := l.Files(img)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name, "/")
		if strings.HasPrefix(name, ".wh.") || strings.Contains(name, "/.wh.") {
			continue
		}
		size := f.Size
		if f.Type == '5' {
			size = 0
		}
		s.files[name] = fmt.Sprintf("%c %04o %d:%d %d %s", f.Type, f.Mode&0o7777, f.UID, f.GID, size, f.Linkname)
	}
	return s
}

func diffFiles(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			out = append(out, "only in slimfront image: "+k+" "+v)
		} else if v != w {
			out = append(out, fmt.Sprintf("%s: slimfront %q, dockerfile %q", k, v, w))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			out = append(out, "only in dockerfile image: "+k+" "+v)
		}
	}
	sort.Strings(out)
	return out
}
