package frontend

import (
	"errors"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/slimfront/slimfront/internal/descriptor"
)

// withSource attaches the descriptor's source and the problem ranges to an
// error, the way dockerfile2llb does for Dockerfile errors, so buildx prints
// the offending lines. An error without a location (a build arg, a
// platform) gets the source with no range: buildx then prints no excerpt,
// instead of BuildKit pointing at the `# syntax=` line. Errors that carry a
// source already (a failing step) pass through unchanged.
func withSource(err error, sm *llb.SourceMap) error {
	if err == nil || sm == nil || len(errdefs.Sources(err)) > 0 {
		return err
	}
	var ranges []*pb.Range
	var de *descriptor.Error
	if errors.As(err, &de) {
		for _, p := range de.Problems {
			if p.Range.Start.Line > 0 {
				ranges = append(ranges, toPB(p.Range))
			}
		}
	}
	info := &pb.SourceInfo{Data: sm.Data, Filename: sm.Filename, Language: sm.Language}
	if sm.Definition != nil {
		info.Definition = sm.Definition.ToPB()
	}
	return errdefs.WithSource(err, &errdefs.Source{Info: info, Ranges: ranges})
}

func toPB(r descriptor.Range) *pb.Range {
	end := r.End
	if end.Line == 0 {
		end = r.Start
	}
	return &pb.Range{
		Start: &pb.Position{Line: int32(r.Start.Line), Character: int32(r.Start.Col)},
		End:   &pb.Position{Line: int32(end.Line), Character: int32(end.Col)},
	}
}

// locator maps descriptor keys to source ranges for LLB source locations, so
// a failing step points back at the slim.toml line that asked for it.
func locator(app *descriptor.App) func(string) *pb.Range {
	return func(key string) *pb.Range {
		if r, ok := app.Range(key); ok && r.Start.Line > 0 {
			return toPB(r)
		}
		return nil
	}
}
