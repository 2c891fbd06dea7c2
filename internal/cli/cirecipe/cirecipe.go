// Package cirecipe reads the CI recipes in docs/ci (a GitHub Actions
// workflow and a GitLab CI file) and extracts, per matrix entry, the build
// they run: context, descriptor, platforms and build args. Tests use it to
// check that the recipes stay valid and to run the same builds locally.
package cirecipe

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
	"gopkg.in/yaml.v3"
)

// Files are the recipes, relative to the repository root.
var Files = []string{"docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"}

// Build is one build a recipe runs for one matrix entry.
type Build struct {
	Recipe    string // "docs/ci/gitlab-ci.yml image[APP=go-hello]"
	Language  string // the matrix entry's language, when it names one
	Context   string // relative to the repository root
	File      string // the descriptor, relative to the repository root
	Platforms []string
	BuildArgs map[string]string
}

// ciValues stand in for what the CI system provides.
var ciValues = map[string]string{
	"github.server_url": "https://github.com", "github.repository": "owner/repo",
	"github.sha": "0123456789abcdef0123456789abcdef01234567", "runner.temp": "/tmp",
	"CI_PROJECT_URL": "https://gitlab.com/group/project", "CI_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567",
}

// Load reads every recipe under root.
func Load(root string) ([]Build, error) {
	var out []Build
	for _, f := range Files {
		src, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return nil, err
		}
		var doc map[string]any
		if err := yaml.Unmarshal(src, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		var bs []Build
		if strings.Contains(f, "github") {
			bs, err = github(f, doc)
		} else {
			bs, err = gitlab(f, doc)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if len(bs) == 0 {
			return nil, fmt.Errorf("%s: no build found", f)
		}
		out = append(out, bs...)
	}
	return out, nil
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }
func asString(v any) string      { s, _ := v.(string); return s }

var ghExpr = regexp.MustCompile(`\$\{\{\s*([\w.-]+)\s*\}\}`)

// github: jobs.*.strategy.matrix.include entries × docker/build-push-action
// steps. ${{ matrix.KEY }} is the entry's value, "" when the entry has no
// KEY (as GitHub renders null).
func github(file string, doc map[string]any) ([]Build, error) {
	var out []Build
	for name, j := range asMap(doc["jobs"]) {
		job := asMap(j)
		entries := asList(asMap(asMap(job["strategy"])["matrix"])["include"])
		for _, e := range entries {
			entry := asMap(e)
			expand := func(s string) string {
				return ghExpr.ReplaceAllStringFunc(s, func(m string) string {
					key := ghExpr.FindStringSubmatch(m)[1]
					if k, ok := strings.CutPrefix(key, "matrix."); ok {
						// A key an entry lacks is null, which GitHub
						// interpolates as "" (so SLIM_ENTRYPOINT= sets
						// nothing); fmt.Sprint(nil) would be "<nil>".
						if v, ok := entry[k]; ok && v != nil {
							return fmt.Sprint(v)
						}
						return ""
					}
					if v, ok := ciValues[key]; ok {
						return v
					}
					return "placeholder"
				})
			}
			for _, s := range asList(job["steps"]) {
				step := asMap(s)
				if !strings.HasPrefix(asString(step["uses"]), "docker/build-push-action@") {
					continue
				}
				with := asMap(step["with"])
				b := Build{
					Recipe:    fmt.Sprintf("%s %s[%v] %q", file, name, entry["app"], asString(step["name"])),
					Language:  asString(entry["language"]),
					Context:   expand(asString(with["context"])),
					File:      expand(asString(with["file"])),
					BuildArgs: map[string]string{},
				}
				if p := expand(asString(with["platforms"])); p != "" {
					b.Platforms = strings.Split(p, ",")
				}
				for _, l := range strings.Split(expand(asString(with["build-args"])), "\n") {
					if l = strings.TrimSpace(l); l == "" {
						continue
					}
					k, v, ok := strings.Cut(l, "=")
					if !ok {
						return nil, fmt.Errorf("%s: build arg %q is not KEY=VALUE", b.Recipe, l)
					}
					b.BuildArgs[k] = v
				}
				out = append(out, b)
			}
		}
	}
	slices.SortFunc(out, func(a, b Build) int { return strings.Compare(a.Recipe, b.Recipe) })
	return out, nil
}

var shVar = regexp.MustCompile(`\$\{?([A-Za-z_]\w*)\}?`)

// gitlab: jobs with parallel:matrix (directly or through extends) whose
// script runs `docker buildx build`.
func gitlab(file string, doc map[string]any) ([]Build, error) {
	var out []Build
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range doc {
			if !yield(k) {
				return
			}
		}
	}) {
		job := asMap(doc[name])
		if job == nil || strings.HasPrefix(name, ".") {
			continue
		}
		matrix := asList(asMap(job["parallel"])["matrix"])
		if matrix == nil {
			matrix = asList(asMap(asMap(doc[asString(job["extends"])])["parallel"])["matrix"])
		}
		for _, s := range asList(job["script"]) {
			cmd := asString(s)
			if !strings.Contains(cmd, "docker buildx build") {
				continue
			}
			for _, e := range matrix {
				vars := asMap(e)
				words, err := shellWords(shVar.ReplaceAllStringFunc(cmd, func(m string) string {
					k := shVar.FindStringSubmatch(m)[1]
					if v, ok := vars[k]; ok {
						return fmt.Sprint(v)
					}
					return ciValues[k] // $PUSH and the like: empty outside CI
				}))
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				b, err := buildxArgs(words)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				b.Recipe = fmt.Sprintf("%s %s[APP=%v]", file, name, vars["APP"])
				out = append(out, b)
			}
		}
	}
	return out, nil
}

// buildxArgs reads a `docker buildx build` command line.
func buildxArgs(words []string) (Build, error) {
	b := Build{BuildArgs: map[string]string{}}
	i := slices.Index(words, "build")
	if i < 0 {
		return b, fmt.Errorf("no build in %q", words)
	}
	for i++; i < len(words); i++ {
		w := words[i]
		next := func() string {
			if i+1 < len(words) {
				i++
				return words[i]
			}
			return ""
		}
		switch {
		case w == "-f" || w == "--file":
			b.File = next()
		case w == "--build-arg":
			k, v, _ := strings.Cut(next(), "=")
			b.BuildArgs[k] = v
		case w == "--platform":
			b.Platforms = strings.Split(next(), ",")
		case w == "--output" || w == "-o" || w == "-t" || w == "--tag" || w == "--cache-from" || w == "--cache-to" || w == "--progress":
			next()
		case strings.HasPrefix(w, "-"):
		default:
			b.Context = w
		}
	}
	if b.Context == "" || b.File == "" {
		return b, fmt.Errorf("want -f FILE and a context in %q", words)
	}
	return b, nil
}

// shellWords splits a command line with single and double quotes.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				words, in = append(words, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// Check validates b against the repository at root: the context and
// descriptor exist, every build arg is one the frontend reads, and the
// descriptor parses with the overrides and plans for every platform.
func Check(root string, b Build) (*descriptor.App, error) {
	if fi, err := os.Stat(filepath.Join(root, b.Context)); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("context %q is not a directory", b.Context)
	}
	src, err := os.ReadFile(filepath.Join(root, b.File))
	if err != nil {
		return nil, fmt.Errorf("descriptor: %w", err)
	}
	if filepath.Dir(filepath.Clean(b.File)) != filepath.Clean(b.Context) {
		return nil, fmt.Errorf("descriptor %s is not in the context %s", b.File, b.Context)
	}
	for _, k := range slices.Sorted(maps.Keys(b.BuildArgs)) {
		if err := presets.KnownBuildArg(k); err != nil {
			return nil, err
		}
	}
	if len(b.Platforms) == 0 {
		return nil, fmt.Errorf("no platforms")
	}
	var targets []ocispecs.Platform
	for _, p := range b.Platforms {
		t, err := platforms.Parse(p)
		if err != nil {
			return nil, fmt.Errorf("platform %q: %w", p, err)
		}
		targets = append(targets, t)
	}
	loaded, err := all.Registry().Load(presets.Request{
		File:      filepath.Base(b.File),
		Source:    src,
		BuildArgs: b.BuildArgs,
		Build:     platforms.MustParse("linux/amd64"),
		Targets:   targets,
	})
	if err != nil {
		return nil, err
	}
	if b.Language != "" && b.Language != loaded.App.Language {
		return nil, fmt.Errorf("the matrix says language %s, %s says %s", b.Language, b.File, loaded.App.Language)
	}
	return loaded.App, nil
}

// ParseBuildx reads one `docker buildx build` command line (no variables).
func ParseBuildx(cmd string) (Build, error) {
	words, err := shellWords(cmd)
	if err != nil {
		return Build{}, err
	}
	return buildxArgs(words)
}
