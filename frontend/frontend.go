package frontend

import (
	"context"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

// Build is the gateway entry point.
func Build(ctx context.Context, c client.Client) (res *client.Result, err error) {
	defer recoverInto(&err)
	return build(ctx, c, all.Registry())
}

// recoverInto turns a panic into an error result: the daemon must never lose
// a build to a frontend bug without a message.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("slimfront internal error (please report it with this message): %v\n%s", r, debug.Stack())
	}
}

func build(ctx context.Context, c client.Client, reg *presets.Registry) (*client.Result, error) {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	src, err := bc.ReadEntrypoint(ctx, "toml")
	if err != nil {
		return nil, err
	}
	if res, ok, err := bc.HandleSubrequest(ctx, requestHandler(bc, reg, src.SourceMap)); err != nil || ok {
		return res, err
	}

	mainCtx, err := bc.MainContext(ctx)
	if err != nil {
		return nil, withSource(err, src.SourceMap)
	}
	loaded, err := load(bc, reg, src.SourceMap, contextFiles(ctx, c, *mainCtx))
	if err != nil {
		return nil, withSource(err, src.SourceMap)
	}
	app := loaded.App
	epoch, err := sourceDateEpoch(bc.BuildArgs)
	if err != nil {
		return nil, withSource(err, src.SourceMap)
	}
	if err := checkPaths(ctx, c, *mainCtx, app, loaded.Plans[0].Checks); err != nil {
		return nil, withSource(err, src.SourceMap)
	}

	scanner, err := sbomScanner(ctx, c, bc)
	if err != nil {
		return nil, err
	}
	var scanTargets sync.Map // platform id -> *llbgen.Result

	rb, err := bc.Build(ctx, func(ctx context.Context, _ *ocispecs.Platform, idx int) (_ *dockerui.BuildResult, err error) {
		defer recoverInto(&err) // runs in its own goroutine: Build's recover cannot see it
		plan, t := loaded.Plans[idx], loaded.Targets[idx]
		target, buildPlatform := t.Platform, t.Build
		plan.Image.Labels = append(plan.Image.Labels, labels(bc, epoch)...)
		r, err := llbgen.Render(ctx, plan, llbgen.Options{
			BuildPlatform:  buildPlatform,
			TargetPlatform: target,
			Context:        *mainCtx,
			Images:         &imageSource{bc: bc, c: c, multi: bc.MultiPlatformRequested, self: bc.BuildOpts().Opts[keySource]},
			SourceMap:      src.SourceMap,
			Locate:         locator(app),
			CacheNS:        bc.CacheIDNamespace,
			NoCache:        bc.IsNoCache,
			Epoch:          epoch,
		})
		if err != nil {
			return nil, withSource(err, src.SourceMap)
		}
		def, err := r.State.Marshal(ctx, llb.Platform(target))
		if err != nil {
			return nil, fmt.Errorf("marshal LLB: %w", err)
		}
		sr, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), CacheImports: bc.CacheImports})
		if err != nil {
			return nil, err
		}
		if err := verify(ctx, c, bc, r.Verify, target); err != nil {
			return nil, err
		}
		ref, err := sr.SingleRef()
		if err != nil {
			return nil, err
		}
		scanTargets.Store(platforms.FormatAll(target), r)
		return &dockerui.BuildResult{Reference: ref, Image: r.Image, BaseImage: r.BaseImage, Epoch: epoch}, nil
	})
	if err != nil {
		return nil, err
	}
	if scanner != nil {
		if err := attachSBOMs(ctx, c, rb, scanner, &scanTargets); err != nil {
			return nil, err
		}
	}
	return rb.Finalize()
}

// keySource is the gateway option naming the frontend image BuildKit runs
// (github.com/moby/buildkit/frontend.KeySource).
const keySource = "source"

// verify solves the plan's checks (the start check) to completion before
// the image is returned for export: BuildKit builds lazily, so a check
// nothing depends on must be evaluated explicitly. When a check fails and
// the plan has a stage that explains it, that stage is solved and its
// error (the file, the missing library, its Debian package) is returned.
func verify(ctx context.Context, c client.Client, bc *dockerui.Client, checks []llbgen.Check, target ocispecs.Platform) error {
	solve := func(st llb.State) error {
		def, err := st.Marshal(ctx, llb.Platform(target))
		if err != nil {
			return fmt.Errorf("marshal LLB: %w", err)
		}
		_, err = c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), CacheImports: bc.CacheImports, Evaluate: true})
		return err
	}
	for _, ch := range checks {
		err := solve(ch.State)
		if err == nil {
			continue
		}
		if ch.Explain != nil {
			if xerr := solve(*ch.Explain); xerr != nil {
				return xerr
			}
		}
		return err
	}
	return nil
}

// load reads the build's descriptor through the one entry point every
// caller shares (presets.Registry.Load), for the build platform and the
// requested target platforms (default: the build platform), with files
// reading the build context (nil: the descriptor alone, as for the
// lint/outline/targets subrequests).
func load(bc *dockerui.Client, reg *presets.Registry, sm *llb.SourceMap, files presets.ContextFiles) (*presets.Loaded, error) {
	build := platforms.DefaultSpec()
	if len(bc.BuildPlatforms) > 0 {
		build = bc.BuildPlatforms[0]
	}
	return reg.Load(presets.Request{
		File:      sm.Filename,
		Source:    sm.Data,
		BuildArgs: bc.BuildArgs,
		Build:     build,
		Targets:   bc.TargetPlatforms,
		Files:     files,
	})
}

func sourceDateEpoch(args map[string]string) (*time.Time, error) {
	v, ok := args["SOURCE_DATE_EPOCH"]
	if !ok || v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("build arg SOURCE_DATE_EPOCH=%q: want seconds since 1970 as a non-negative integer", v)
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}

// labels are the OCI annotations every image gets, plus --label values.
func labels(bc *dockerui.Client, epoch *time.Time) []llbgen.KV {
	var out []llbgen.KV
	if epoch != nil {
		out = append(out, llbgen.KV{Key: "org.opencontainers.image.created", Value: epoch.Format(time.RFC3339)})
	}
	opts := bc.BuildOpts().Opts
	for _, l := range []struct{ key, arg, opt string }{
		{"org.opencontainers.image.source", "SLIM_SOURCE", "vcs:source"},
		{"org.opencontainers.image.revision", "SLIM_REVISION", "vcs:revision"},
	} {
		v := bc.BuildArgs[l.arg]
		if v == "" {
			v = opts[l.opt]
		}
		if v != "" {
			out = append(out, llbgen.KV{Key: l.key, Value: v})
		}
	}
	for _, k := range sortedKeys(bc.Labels) {
		out = append(out, llbgen.KV{Key: k, Value: bc.Labels[k]})
	}
	return out
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
