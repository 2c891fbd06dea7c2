package frontend

import (
	"errors"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/slimfront/slimfront/internal/descriptor"
)

func TestSourceDateEpochIsParsedOrRejected(t *testing.T) {
	if e, err := sourceDateEpoch(map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}); err != nil || e.Unix() != 1700000000 {
		t.Fatalf("epoch %v err %v", e, err)
	}
	if e, err := sourceDateEpoch(map[string]string{}); err != nil || e != nil {
		t.Fatalf("unset epoch: %v %v", e, err)
	}
	for _, bad := range []string{"yesterday", "-5", "1.5"} {
		if _, err := sourceDateEpoch(map[string]string{"SOURCE_DATE_EPOCH": bad}); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestDescriptorErrorsCarryTheSourceAndEveryProblemRange(t *testing.T) {
	src := []byte("language = \"go\"\nentrypoint = \".\"\npreset = \"distrolss\"\nport = \"x\"\n")
	_, err := descriptor.Parse("slim.toml", src, descriptor.Options{Languages: []string{"go"}, Presets: []string{"distroless", "scratch"}})
	if err == nil {
		t.Fatal("expected an error")
	}
	st := llb.Scratch()
	sm := llb.NewSourceMap(&st, "slim.toml", "toml", src)
	wrapped := withSource(err, sm)
	sources := errdefs.Sources(wrapped)
	if len(sources) != 1 {
		t.Fatalf("want one source, got %d", len(sources))
	}
	s := sources[0]
	if s.Info.Filename != "slim.toml" || string(s.Info.Data) != string(src) {
		t.Errorf("source info: %q", s.Info.Filename)
	}
	var lines []int32
	for _, r := range s.Ranges {
		lines = append(lines, r.Start.Line)
	}
	if len(lines) != 2 || lines[0] != 3 || lines[1] != 4 {
		t.Errorf("ranges on lines %v, want [3 4]", lines)
	}
	var de *descriptor.Error
	if !errors.As(wrapped, &de) || !strings.Contains(wrapped.Error(), "did you mean \"distroless\"") {
		t.Errorf("message lost: %v", wrapped)
	}
}

func TestErrorsWithoutALocationGetTheSourceWithoutRanges(t *testing.T) {
	e := errors.New("boom")
	st := llb.Scratch()
	got := withSource(e, llb.NewSourceMap(&st, "slim.toml", "toml", []byte("x")))
	srcs := errdefs.Sources(got)
	if len(srcs) != 1 || len(srcs[0].Ranges) != 0 || !errors.Is(got, e) {
		t.Fatalf("got %v with sources %v", got, srcs)
	}
	if again := withSource(got, llb.NewSourceMap(&st, "other", "toml", nil)); len(errdefs.Sources(again)) != 1 {
		t.Fatal("an error with a source must pass through unchanged")
	}
}

func TestPanicsBecomeErrors(t *testing.T) {
	f := func() (err error) {
		defer recoverInto(&err)
		var m map[string]int
		m["x"] = 1 // nil map write panics
		return nil
	}
	err := f()
	if err == nil || !strings.Contains(err.Error(), "slimfront internal error") {
		t.Fatalf("err = %v", err)
	}
}
