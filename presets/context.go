package presets

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ContextFiles reads one file of the build context while a plan is made,
// by its slash-separated path relative to the context root
// (".python-version", "svc/pyproject.toml"). A missing file (or a
// directory) is an error that wraps fs.ErrNotExist; any other error means
// the context could not be read. The frontend reads the build's main
// context (after .dockerignore), the CLI and bench the descriptor's
// directory (DirFiles).
type ContextFiles func(name string) ([]byte, error)

// ContextPlanner is implemented by presets whose plan depends on files of
// the build context besides the descriptor (the Python preset reads
// .python-version and requires-python to choose the interpreter).
// WithContext returns the same preset reading files through files; Load
// uses it when the Request has Files. Without Files a preset plans from the
// descriptor alone.
type ContextPlanner interface {
	WithContext(files ContextFiles) Preset
}

// DirFiles is ContextFiles over the directory dir of the local file
// system. Names that are absolute or leave dir are reported as missing.
func DirFiles(dir string) ContextFiles {
	return func(name string) ([]byte, error) {
		clean := path.Clean(name)
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
		}
		p := filepath.Join(dir, filepath.FromSlash(clean))
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
		}
		return os.ReadFile(p)
	}
}

// withContext returns a registry whose context-reading presets read files
// through files; r itself is unchanged. files nil returns r.
func (r *Registry) withContext(files ContextFiles) *Registry {
	if files == nil {
		return r
	}
	out := &Registry{byLang: map[string]Preset{}}
	for lang, p := range r.byLang {
		if cp, ok := p.(ContextPlanner); ok {
			p = cp.WithContext(files)
		}
		out.byLang[lang] = p
	}
	return out
}
