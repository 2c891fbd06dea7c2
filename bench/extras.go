package bench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// addRendered adds, per preset, the Dockerfile `slim dockerfile` renders,
// when the slim CLI has that command. The `# syntax=` line is dropped so the
// build uses buildkitd's built-in dockerfile.v0 (the frontend-overhead
// comparison is slimfront against the built-in Dockerfile frontend).
func addRendered(ctx context.Context, slim, outDir string, apps []*App) (note string) {
	out, _ := exec.CommandContext(ctx, slim, "-h").CombinedOutput()
	if !strings.Contains(string(out), "slim dockerfile") {
		return "n/a (renderer not yet available: `slim -h` has no `dockerfile` command)"
	}
	for _, a := range apps {
		if a.Skip != "" {
			continue
		}
		for _, p := range a.Presets {
			v := &Variant{App: a, Kind: KindRendered, Name: p, Preset: p}
			a.Variants = append(a.Variants, v)
			df, err := exec.CommandContext(ctx, slim, "dockerfile", "-f", filepath.Join(a.Dir, "slim.toml"), "--preset", p).Output()
			if err != nil {
				v.Result.Err = "slim dockerfile: " + errText(err)
				continue
			}
			var keep []string
			for _, line := range strings.SplitAfter(string(df), "\n") {
				if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "# syntax=") {
					keep = append(keep, line)
				}
			}
			v.Dockerfile = filepath.Join(outDir, fmt.Sprintf("%s.%s.Dockerfile", a.Name, p))
			if err := os.WriteFile(v.Dockerfile, []byte(strings.Join(keep, "")), 0o644); err != nil {
				v.Result.Err = err.Error()
			}
		}
	}
	return ""
}

// FrontendImage is the size of the frontend image in the registry.
type FrontendImage struct {
	Ref                      string
	Compressed, Uncompressed int64
	Layers                   int
	Err                      string
}

func frontendImage(ctx context.Context, ref string) FrontendImage {
	fi := FrontendImage{Ref: ref}
	out, err := exec.CommandContext(ctx, "crane", "manifest", "--insecure", ref).Output()
	if err != nil {
		fi.Err = "crane manifest: " + errText(err)
		return fi
	}
	var m struct {
		MediaType string
		Layers    []struct {
			MediaType, Digest string
			Size              int64
		}
	}
	if err := json.Unmarshal(out, &m); err != nil || len(m.Layers) == 0 {
		fi.Err = fmt.Sprintf("crane manifest: not a single-platform image manifest (%v)", err)
		return fi
	}
	repo := ref
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo = ref[:i]
	}
	for _, l := range m.Layers {
		fi.Compressed += l.Size
		fi.Layers++
		cmd := exec.CommandContext(ctx, "crane", "blob", "--insecure", repo+"@"+l.Digest)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			fi.Err = err.Error()
			return fi
		}
		var r io.Reader = stdout
		if strings.Contains(l.MediaType, "gzip") {
			zr, err := gzip.NewReader(stdout)
			if err != nil {
				fi.Err = err.Error()
				_ = cmd.Wait()
				return fi
			}
			r = zr
		}
		n, err := io.Copy(io.Discard, r)
		_ = cmd.Wait()
		if err != nil {
			fi.Err = err.Error()
			return fi
		}
		fi.Uncompressed += n
	}
	return fi
}

// LLBGen is one sub-benchmark of llbgen's BenchmarkLLBGen.
type LLBGen struct {
	Name string // example/preset
	Ms   float64
}

var benchLine = regexp.MustCompile(`^BenchmarkLLBGen/(\S+?)(-\d+)?\s+\d+\s+\d+ ns/op\s+([0-9.]+) ms/gen`)

func llbgenBench(ctx context.Context, root string, quick bool) ([]LLBGen, error) {
	n := "300x"
	if quick {
		n = "50x"
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "LLBGen", "-benchtime", n, "./llbgen")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench LLBGen ./llbgen: %v\n%s", err, tail(string(out), 20))
	}
	var res []LLBGen
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := benchLine.FindStringSubmatch(sc.Text()); m != nil {
			ms, _ := strconv.ParseFloat(m[3], 64)
			res = append(res, LLBGen{Name: m[1], Ms: ms})
		}
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Name < res[j].Name })
	return res, nil
}

// Machine describes where the numbers come from.
type Machine struct {
	Date, CPU, Kernel, Go, BuildKit, Buildx string
	LoadStart, LoadEnd                      string // /proc/loadavg: other work on the machine skews times
	NProc                                   int
	MemBytes                                int64
}

func machine(ctx context.Context) Machine {
	m := Machine{Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), NProc: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				m.CPU = strings.TrimSpace(l[strings.IndexByte(l, ':')+1:])
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
		if len(f) >= 2 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			m.MemBytes = kb * 1024
		}
	}
	m.Kernel = cmdOut(ctx, "uname", "-sr")
	m.LoadStart = loadavg()
	m.BuildKit = cmdOut(ctx, "buildkitd", "--version")
	m.Buildx = cmdOut(ctx, "docker", "buildx", "version")
	return m
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cmdOut(ctx context.Context, name string, args ...string) string {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func errText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return firstLine(strings.TrimSpace(string(ee.Stderr)))
	}
	return err.Error()
}
