package descriptor

import (
	"reflect"
	"strings"
	"testing"
)

func TestRunWritable(t *testing.T) {
	base := "language = \"python\"\nentrypoint = \"app.py\"\n[run]\n"
	a, err := Parse("slim.toml", []byte(base+"writable = [\"data\", \"./var/uploads/\"]\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Run.Writable, []string{"data", "var/uploads"}) {
		t.Errorf("writable = %q", a.Run.Writable)
	}
	for src, want := range map[string]string{
		"writable = \"data\"\n":        `slim.toml:4:1: run.writable: expected an array of directories, got string (use an array: writable = ["data"])`,
		"writable = [\"../data\"]\n":   "slim.toml:4:13: run.writable[0]:",
		"writable = [\".\"]\n":         "the app directory itself cannot be writable",
		"writable = [\"d\", \"d/\"]\n": `run.writable[1]: directory "d" is listed twice`,
		"writeable = [\"data\"]\n":     `did you mean "writable"`,
	} {
		_, err := Parse("slim.toml", []byte(base+src), Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
}
