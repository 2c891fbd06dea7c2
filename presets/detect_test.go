package presets

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindPortOnlyWhenObvious(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"one.js":  "const port = process.env.PORT || 3000;\napp.listen(port);\n",
		"two.go":  "srv := &http.Server{Addr: \":8080\"}\nadmin := &http.Server{Addr: \":9090\"}\n",
		"none.py": "print('no server here')\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		files []string
		port  int
		file  string
	}{
		{[]string{"one.js"}, 3000, "one.js"},
		{[]string{"two.go"}, 0, ""},  // two candidates
		{[]string{"none.py"}, 0, ""}, // none
		{[]string{"none.py", "one.js"}, 3000, "one.js"},
		{[]string{"missing.js"}, 0, ""},
	} {
		if p, f := FindPort(dir, tc.files); p != tc.port || f != tc.file {
			t.Errorf("FindPort(%q) = %d, %q; want %d, %q", tc.files, p, f, tc.port, tc.file)
		}
	}
}

func TestMentionsWholeWords(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("Flask==3.0\ngunicorn-extra\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for pkg, want := range map[string]bool{"flask": true, "gunicorn": false, "gunicorn-extra": true, "extra": false} {
		if got := Mentions(dir, []string{"requirements.txt"}, pkg); got != want {
			t.Errorf("Mentions(%q) = %v, want %v", pkg, got, want)
		}
	}
}

func TestList(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""}, {[]string{"a"}, "a"}, {[]string{"a", "b"}, "a or b"}, {[]string{"a", "b", "c"}, "a, b or c"},
	} {
		if got := list(tc.in, "or"); got != tc.want {
			t.Errorf("list(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
