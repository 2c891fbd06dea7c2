package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClosureTime(t *testing.T) {
	log := "#20 [app 2/3] COPY . /app/\n#20 DONE 0.1s\n" +
		"#21 [libs 2/2] RUN /bin/slimfront closure --root /target --out /out --records --tree /opt/venv --trim /usr/bin/python3.13\n" +
		"#21 0.512 {\"platform\":\"linux/amd64\"}\n#21 DONE 1.3s\n#22 DONE 9.9s\n"
	if d, ok := closureTime(log); !ok || d != 1300*time.Millisecond {
		t.Errorf("closureTime = %v, %v; want 1.3s", d, ok)
	}
	if _, ok := closureTime("#21 [libs 2/2] RUN /bin/slimfront closure --root /t\n#21 CACHED\n"); ok {
		t.Errorf("a cached closure step has no time")
	}
}

func TestWithoutTrim(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "slim.toml"), []byte("language = \"python\"\n[run]\ntrim = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := addRunKey(dir, "sourceless = true"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "slim.toml")); string(b) != "language = \"python\"\n[run]\nsourceless = true\ntrim = true\n" {
		t.Errorf("addRunKey: %q", b)
	}
	for _, c := range []struct{ in, want string }{
		{"language = \"python\"\n", "language = \"python\"\n\n[run]\ntrim = false\n"},
		{"language = \"node\"\n[run]\nkeep = [\"a\"]\n", "language = \"node\"\n[run]\ntrim = false\nkeep = [\"a\"]\n"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "slim.toml"), []byte(c.in), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := withoutTrim(dir); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "slim.toml")); string(b) != c.want {
			t.Errorf("withoutTrim(%q) = %q, want %q", c.in, b, c.want)
		}
	}
}

func TestTrimSection(t *testing.T) {
	r := &Report{Config: Config{Runs: 1}, Trims: []*Trim{{App: "python-flask", Language: "python",
		Off:        TrimBuild{Size: 36_700_000, Cold: []time.Duration{60 * time.Second}, Closure: []time.Duration{time.Second}},
		On:         TrimBuild{Size: 36_600_000, Cold: []time.Duration{66 * time.Second}, Closure: []time.Duration{2 * time.Second}},
		Sourceless: TrimBuild{Size: 32_900_000, Cold: []time.Duration{70 * time.Second}}},
		{App: "node-express", Err: "docker buildx build: boom\nmore"}}}
	r.Trims[0].Report.Bytes, r.Trims[0].Report.Files = 100_000, 5
	r.Trims[0].Report.Kinds = map[string]int64{"tests": 90_000, "stubs": 10_000}
	var b strings.Builder
	r.trimSection(&b)
	for _, want := range []string{"| python-flask | 36.70 MB | 36.60 MB | 32.90 MB | 100 kB (5 files) | tests 90 kB, stubs 10 kB |", "| 1.10× | 1.00 s → 2.00 s | **MISS** ≤ 33.00 MB (sourceless: **PASS**) |",
		"| node-express | failed: docker buildx build: boom |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("section lacks %q:\n%s", want, b.String())
		}
	}
}
