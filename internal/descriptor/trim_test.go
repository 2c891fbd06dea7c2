package descriptor

import (
	"reflect"
	"strings"
	"testing"
)

func TestRunKeepAndTrim(t *testing.T) {
	base := "language = \"python\"\nentrypoint = \"app.py\"\n[run]\n"
	a, err := Parse("slim.toml", []byte(base+"keep = [\"pandas/tests\", \"./numpy/_core/include/\"]\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Run.Keep, []string{"pandas/tests", "numpy/_core/include"}) || a.Run.NoTrim {
		t.Errorf("keep = %q, no trim = %v", a.Run.Keep, a.Run.NoTrim)
	}
	if a, err = Parse("slim.toml", []byte(base+"trim = false\n"), Options{}); err != nil || !a.Run.NoTrim {
		t.Errorf("trim = false: no trim = %v, err %v", a != nil && a.Run.NoTrim, err)
	}
	if a, err = Parse("slim.toml", []byte(base+"sourceless = true\n"), Options{}); err != nil || !a.Run.Sourceless || a.Run.NoTrim {
		t.Errorf("sourceless = true: sourceless = %v, err %v", a != nil && a.Run.Sourceless, err)
	}
	for src, want := range map[string]string{
		"sourceless = 1\n":          "slim.toml:4:1: run.sourceless: expected true or false, got integer",
		"keep = \"pandas/tests\"\n": `run.keep: expected an array of paths, got string (use an array: keep = ["pandas/tests"])`,
		"keep = [\"../x\"]\n":       "slim.toml:4:9: run.keep[0]:",
		"trim = \"no\"\n":           "run.trim: expected true or false, got string",
	} {
		_, err := Parse("slim.toml", []byte(base+src), Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
}
