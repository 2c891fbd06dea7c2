package frontend

import (
	"context"
	"io/fs"
	"os"
	"path"
	"sync"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/slimfront/slimfront/presets"
)

// contextFiles reads files of the build's main context (after
// .dockerignore) for the presets while they plan (presets.ContextFiles:
// the Python preset's .python-version and pyproject.toml). The context is
// solved once, on the first read; presets that read nothing cost nothing.
// A missing file or a directory is fs.ErrNotExist; a context that cannot
// be solved is that error for every read.
func contextFiles(ctx context.Context, c client.Client, main llb.State) presets.ContextFiles {
	var (
		once sync.Once
		ref  client.Reference
		err  error
	)
	solve := func() {
		def, e := main.Marshal(ctx)
		if e != nil {
			err = e
			return
		}
		res, e := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
		if e != nil {
			err = e
			return
		}
		ref, err = res.SingleRef()
	}
	return func(name string) ([]byte, error) {
		once.Do(solve)
		if err != nil {
			return nil, err
		}
		name = path.Clean(name)
		st, e := ref.StatFile(ctx, client.StatRequest{Path: name})
		if e != nil || st == nil || os.FileMode(st.Mode).IsDir() {
			return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
		}
		return ref.ReadFile(ctx, client.ReadRequest{Filename: name})
	}
}
