package python

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/presettest"
)

// memFiles is a build context held in memory.
func memFiles(files map[string]string) presets.ContextFiles {
	return func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
}

// The flask example's descriptor on each official-image version: goldens
// of the plans that build on python:<v>-slim-trixie (3.12 has no stand-in
// image here, so its golden is the only test of its plan).
func TestOfficialImagePlansMatchGolden(t *testing.T) {
	for _, v := range []string{"3.11", "3.12", "3.14"} {
		for _, b := range []string{"distroless", "scratch"} {
			t.Run(v+"/"+b, func(t *testing.T) {
				src := presettest.WithBase(apps["flask"], b) + "version = \"" + v + "\"\n"
				presettest.Golden(t, "flask-"+v+"-"+b, h.Plan(t, src))
			})
		}
	}
}

func TestOfficialImageFlavor(t *testing.T) {
	for _, c := range []struct{ preset, version, builder, final, python string }{
		{"distroless", "3.11", "python:3.11-slim-trixie", "gcr.io/distroless/cc-debian13:nonroot", "/usr/local/bin/python3.11"},
		{"scratch", "3.14", "python:3.14-slim-trixie", "", "/usr/local/bin/python3.14"},
		{"distroless", "3.13", "debian:13-slim", "gcr.io/distroless/python3-debian13:nonroot", "/usr/bin/python3.13"},
		{"scratch", "", "debian:13-slim", "", "/usr/bin/python3.13"},
	} {
		app := h.Parse(t, "language = \"python\"\nentrypoint = \"app.py\"\npreset = \""+c.preset+"\"\n")
		f, err := pickFlavor(app, versionChoice{version: c.version})
		if err != nil {
			t.Fatalf("%s %s: %v", c.preset, c.version, err)
		}
		if f.builder != c.builder || f.final != c.final || f.python != c.python || f.official != strings.HasPrefix(c.builder, "python:") {
			t.Errorf("%s %q: builder %q final %q python %q official %v", c.preset, c.version, f.builder, f.final, f.python, f.official)
		}
	}
	// the official tree's stdlib is under /usr/local, the closure reads its lib-dynload there
	p := h.Plan(t, presettest.WithBase(apps["flask"], "scratch")+"version = \"3.14\"\n")
	argv := strings.Join(presettest.Stage(t, p, "libs").Steps[0].Run.Argv, " ")
	if !strings.HasSuffix(argv, " /usr/local/bin/python3.14") || !strings.Contains(argv, " --stdlib-ext "+rootfs+"/usr/local/lib/python3.14/lib-dynload=/usr/local/lib/python3.14/lib-dynload ") {
		t.Errorf("closure entries: %s", argv)
	}
	rs := strings.Join(presettest.Stage(t, p, "rootfs").Steps[1].Run.Argv, " ")
	for _, drop := range officialDrop {
		if !strings.Contains(rs, " "+drop) {
			t.Errorf("rootfs leaves %s in: %s", drop, rs)
		}
	}
}

func TestVersionChoice(t *testing.T) {
	const head = "language = \"python\"\nentrypoint = \"app.py\"\npreset = \"%s\"\n"
	cases := []struct {
		name, preset, extra string
		files               map[string]string
		want, source        string // chosen version and where from
		err                 string // substring of the error
	}{
		{name: "default", preset: "scratch", want: ""},
		{name: "explicit", preset: "scratch", extra: "version = \"3.11\"\n", want: "3.11"},
		{name: ".python-version", preset: "distroless", files: map[string]string{".python-version": "# pinned\n3.11.9\n"}, want: "3.11", source: ".python-version"},
		{name: "uv's cpython- prefix", preset: "distroless", files: map[string]string{".python-version": "cpython-3.14\n"}, want: "3.14", source: ".python-version"},
		{name: "newest requires-python allows", preset: "scratch", files: map[string]string{"pyproject.toml": "[project]\nname = \"x\"\nrequires-python = \">=3.11,<3.14\"\n"}, want: "3.13", source: "requires-python"},
		{name: "requires-python ~=", preset: "scratch", files: map[string]string{"pyproject.toml": "[project]\nrequires-python = \"~=3.11.2\"\n"}, want: "3.11", source: "requires-python"},
		{name: "requires-python on alpine", preset: "alpine", files: map[string]string{"pyproject.toml": "[project]\nrequires-python = \"<3.11\"\n"}, want: "3.10", source: "requires-python"},
		{name: ".python-version over requires-python", preset: "scratch", files: map[string]string{".python-version": "3.11\n", "pyproject.toml": "[project]\nrequires-python = \">=3.11,<3.13\"\n"}, want: "3.11", source: ".python-version"},
		{name: "the pyproject.toml in deps", preset: "scratch", extra: "deps = [\"svc/pyproject.toml\"]\n",
			files: map[string]string{"svc/pyproject.toml": "[project]\nrequires-python = \"==3.12.*\"\n", "pyproject.toml": "[project]\nrequires-python = \">=3.14\"\n"}, want: "3.12", source: "requires-python"},
		{name: "explicit excluded", preset: "distroless", extra: "version = \"3.13\"\n",
			files: map[string]string{"pyproject.toml": "[project]\nname = \"x\"\n\nrequires-python = \">=3.11,<3.13\"\n"},
			err:   `slim.toml:4:1: version: Python 3.13 is excluded by requires-python = ">=3.11,<3.13" (pyproject.toml:4); versions it allows here: 3.11, 3.12`},
		{name: ".python-version excluded", preset: "distroless", files: map[string]string{".python-version": "3.14\n", "pyproject.toml": "[project]\nrequires-python = \"<3.13\"\n"},
			err: `.python-version:1: Python 3.14 is excluded by requires-python = "<3.13" (pyproject.toml:2); versions it allows here: 3.11, 3.12`},
		{name: ".python-version unavailable", preset: "scratch", files: map[string]string{".python-version": "3.9.18\n"},
			err: `.python-version:1: Python 3.9.18 is not available with preset "scratch"; valid: 3.11, 3.12, 3.13, 3.14 (or set version in slim.toml)`},
		{name: ".python-version not a version", preset: "scratch", files: map[string]string{".python-version": "pypy3.10\n"},
			err: `.python-version:1: "pypy3.10" is not a CPython version`},
		{name: "requires-python allows none", preset: "scratch", files: map[string]string{"pyproject.toml": "[project]\nrequires-python = \">=3.15\"\n"},
			err: `pyproject.toml:2: requires-python = ">=3.15" allows none of the Pythons preset "scratch" provides (3.11, 3.12, 3.13, 3.14)`},
		{name: "requires-python malformed", preset: "scratch", files: map[string]string{"pyproject.toml": "[project]\nrequires-python = \"3.11+\"\n"},
			err: `pyproject.toml:2: requires-python = "3.11+": "3.11+" is not a version specifier; write PEP 440 specifiers such as ">=3.11,<3.14"`},
		{name: "pyproject not TOML", preset: "scratch", files: map[string]string{"pyproject.toml": "[project\n"}, err: `pyproject.toml:1: not valid TOML`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := h.Parse(t, strings.Replace(head, "%s", c.preset, 1)+c.extra)
			got, err := chooseVersion(app, memFiles(c.files))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want it to contain %s", err, c.err)
				}
				if _, located := err.(*descriptor.Error); located != (c.extra != "") {
					t.Errorf("error %T: only an explicit version is located in the descriptor", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.version != c.want || got.source != c.source {
				t.Errorf("chose %q from %q, want %q from %q", got.version, got.source, c.want, c.source)
			}
		})
	}
}

// Through Registry.Load, as the frontend plans: the context's files pick the builder image.
func TestLoadReadsTheContextForTheVersion(t *testing.T) {
	reg := presets.NewRegistry(New())
	files := memFiles(map[string]string{"pyproject.toml": "[project]\nrequires-python = \">=3.14\"\n"})
	src := []byte("language = \"python\"\nentrypoint = \"app.py\"\npreset = \"distroless\"\n")
	for _, c := range []struct {
		files presets.ContextFiles
		want  string
	}{{files, "python:3.14-slim-trixie"}, {nil, "debian:13-slim"}} {
		l, err := reg.Load(presets.Request{File: "slim.toml", Source: src, Build: amd64, Files: c.files})
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Plans[0].Stages[0].Base.Image; got != c.want {
			t.Errorf("files %v: builder %q, want %q", c.files != nil, got, c.want)
		}
	}
}

func TestSpecifiers(t *testing.T) {
	cases := []struct {
		spec  string
		allow string // the minors of 3.10..3.14 it allows
	}{
		{">=3.11,<3.13", "3.11 3.12"},
		{">3.11", "3.11 3.12 3.13 3.14"}, // 3.11.1 > 3.11
		{"<=3.12", "3.10 3.11 3.12"},
		{"<3.12", "3.10 3.11"},
		{"==3.12.*", "3.12"},
		{"!=3.12.*", "3.10 3.11 3.13 3.14"},
		{"!=3.12.1", "3.10 3.11 3.12 3.13 3.14"},
		{"==3.13", "3.13"},
		{"===3.13.0", "3.13"},
		{"~=3.11", "3.11 3.12 3.13 3.14"},
		{"~=3.11.4", "3.11"},
		{">=3.10, !=3.11.*, <3.14", "3.10 3.12 3.13"},
		{"==3.*", "3.10 3.11 3.12 3.13 3.14"},
		{">=4", ""},
	}
	for _, c := range cases {
		r, err := readRequiresPython(memFiles(map[string]string{"p.toml": "[project]\nrequires-python = \"" + c.spec + "\"\n"}), "p.toml")
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		var got []string
		for _, v := range []string{"3.10", "3.11", "3.12", "3.13", "3.14"} {
			if r.allowsMinor(v) {
				got = append(got, v)
			}
		}
		if strings.Join(got, " ") != c.allow {
			t.Errorf("%q allows %v, want %s", c.spec, got, c.allow)
		}
	}
	for _, bad := range []string{">=3.11.*", "~=3", "3.11", ">=3.11rc1", ">= three"} {
		if _, err := parseSpecifier(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
