package frontend

import (
	"context"
	"os"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
)

// checkPaths verifies, before any step runs, that every path the Plan needs
// is in the build context, and reports all missing ones at once with the
// descriptor key that named them.
func checkPaths(ctx context.Context, c client.Client, main llb.State, app *descriptor.App, checks []llbgen.PathCheck) error {
	if len(checks) == 0 {
		return nil
	}
	def, err := main.Marshal(ctx)
	if err != nil {
		return err
	}
	res, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return err
	}
	ref, err := res.SingleRef()
	if err != nil {
		return err
	}
	var errs []*descriptor.Error
	for _, ch := range checks {
		st, err := ref.StatFile(ctx, client.StatRequest{Path: ch.Path})
		if err != nil || st == nil {
			errs = append(errs, descriptor.Errorf(app, ch.Key, "%q not found in the build context (check the path, and that .dockerignore does not exclude it)", ch.Path))
			continue
		}
		isDir := os.FileMode(st.Mode).IsDir()
		switch {
		case ch.Dir && !isDir:
			errs = append(errs, descriptor.Errorf(app, ch.Key, "%q must be a directory in the build context, found a file", ch.Path))
		case ch.File && isDir:
			errs = append(errs, descriptor.Errorf(app, ch.Key, "%q must be a file in the build context, found a directory", ch.Path))
		}
	}
	if e := descriptor.Join(errs...); e != nil {
		return e
	}
	return nil
}
