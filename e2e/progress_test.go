package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// vertex is one step of a `--progress=plain` build log.
type vertex struct {
	ID     int
	Name   string // text of the first `#N <name>` line
	Cached bool   // a `#N CACHED` line
	Done   bool   // a `#N DONE <time>` line
	Error  bool   // a `#N ERROR` line
}

var vertexLine = regexp.MustCompile(`^#(\d+) (.*)$`)

// parseProgress returns the vertices of a plain-progress build log in order
// of first appearance.
func parseProgress(out string) []*vertex {
	byID := map[int]*vertex{}
	var order []*vertex
	for _, line := range strings.Split(out, "\n") {
		m := vertexLine.FindStringSubmatch(strings.TrimRight(line, "\r"))
		if m == nil {
			continue
		}
		id, _ := strconv.Atoi(m[1])
		rest := m[2]
		v, ok := byID[id]
		if !ok {
			v = &vertex{ID: id, Name: rest}
			byID[id] = v
			order = append(order, v)
			continue
		}
		switch {
		case rest == "CACHED":
			v.Cached = true
		case rest == "DONE" || strings.HasPrefix(rest, "DONE "):
			v.Done = true
		case strings.HasPrefix(rest, "ERROR"):
			v.Error = true
		}
	}
	return order
}

// stepPattern matches the vertices that are build steps (commands and
// copies), as opposed to context loading, image resolution and export.
var stepPattern = regexp.MustCompile(`\bRUN\b|\bCOPY\b|go build|go mod download`)

func buildSteps(vs []*vertex) []*vertex {
	var steps []*vertex
	for _, v := range vs {
		if strings.HasPrefix(v.Name, "[internal]") || strings.HasPrefix(v.Name, "exporting") {
			continue
		}
		if stepPattern.MatchString(v.Name) {
			steps = append(steps, v)
		}
	}
	return steps
}

// findStep returns the single build step whose name contains sub.
func findStep(t *testing.T, vs []*vertex, sub, out string) *vertex {
	t.Helper()
	var found []*vertex
	for _, v := range buildSteps(vs) {
		if strings.Contains(v.Name, sub) {
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one build step containing %q, found %d: %s\n----- buildx output -----\n%s",
			sub, len(found), describe(found), out)
	}
	return found[0]
}

func (v *vertex) String() string {
	state := "ran"
	switch {
	case v.Error:
		state = "ERROR"
	case v.Cached && !v.Done:
		state = "CACHED"
	case v.Cached:
		state = "CACHED+DONE"
	}
	return fmt.Sprintf("#%d %s [%s]", v.ID, v.Name, state)
}

// requireNoOpRebuild builds dir twice with args and fails the test unless
// the second build ran no step (every RUN/COPY cached). mustSee is a step
// that must appear, so an empty or misparsed output cannot pass.
func requireNoOpRebuild(t *testing.T, dir, mustSee string, args ...string) {
	t.Helper()
	t.Log("build 1: warm the cache")
	mustBuildOCI(t, dir, args...)
	t.Log("build 2: unchanged context, everything cached")
	_, out := mustBuildOCI(t, dir, args...)
	steps := buildSteps(parseProgress(out))
	findStep(t, steps, mustSee, out)
	var ran []*vertex
	for _, v := range steps {
		if !v.Cached || v.Done {
			ran = append(ran, v)
		}
	}
	if len(ran) > 0 {
		t.Errorf("unchanged rebuild ran steps instead of using the cache:%s\nall steps:%s\n----- buildx output -----\n%s",
			describe(ran), describe(steps), out)
	}
}

func describe(vs []*vertex) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("\n  " + v.String())
	}
	return b.String()
}

func TestParseProgressReadsPlainBuildxOutput(t *testing.T) {
	// No environment needed: this checks the parser the cache tests rely on.
	out := `#1 [internal] load build definition from slim.toml
#1 transferring dockerfile: 180B done
#1 DONE 0.0s

#5 [build 2/4] RUN go mod download
#5 CACHED

#6 [build 3/4] COPY . .
#6 DONE 0.1s

#7 [build 4/4] RUN go build -o /out/app ./cmd/server
#7 0.512 compiling
#7 DONE 12.3s

#8 exporting to oci image format
#8 DONE 0.2s
`
	steps := buildSteps(parseProgress(out))
	if len(steps) != 3 {
		t.Fatalf("want 3 steps, got %s", describe(steps))
	}
	if !steps[0].Cached || steps[0].Done || steps[0].Name != "[build 2/4] RUN go mod download" {
		t.Errorf("step 0 = %s", steps[0])
	}
	if steps[2].Cached || !steps[2].Done {
		t.Errorf("step 2 = %s", steps[2])
	}
	if v := findStep(t, parseProgress(out), "go build", out); v.ID != 7 {
		t.Errorf("go build step = %s", v)
	}
}
