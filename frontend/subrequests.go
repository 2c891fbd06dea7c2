package frontend

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
	"github.com/slimfront/slimfront/presets"
)

// requestHandler answers BuildKit's subrequests (`docker buildx build
// --call check|outline|targets`) for the descriptor in sm, without solving
// anything. Each handler loads the descriptor through presets.Registry.Load,
// with the build args and platforms of the request (bc), so it sees exactly
// what the build would see. Subrequests not listed here (convertllb) are
// refused by dockerui with an "unsupported subrequest" error.
func requestHandler(bc *dockerui.Client, reg *presets.Registry, sm *llb.SourceMap) dockerui.RequestHandler {
	return dockerui.RequestHandler{
		Lint: func(context.Context) (*lint.LintResults, error) {
			_, err := load(bc, reg, sm, nil)
			if err == nil {
				_, err = sourceDateEpoch(bc.BuildArgs)
			}
			return lintResults(sm, err), nil
		},
		Outline: func(context.Context) (*outline.Outline, error) {
			l, err := load(bc, reg, sm, nil)
			if err != nil {
				return nil, withSource(err, sm)
			}
			return outlineOf(l, bc.BuildArgs, bc.BuildOpts().Opts), nil
		},
		ListTargets: func(context.Context) (*targets.List, error) {
			l, err := load(bc, reg, sm, nil)
			if err != nil {
				return nil, withSource(err, sm)
			}
			return targetsOf(l), nil
		},
	}
}

// lintResults converts the outcome of validating a descriptor into
// BuildKit's lint result (frontend/subrequests/lint), the way
// dockerfile2llb.DockerfileLint does for a Dockerfile that does not parse:
// the descriptor is Sources[0]; err (nil when the descriptor is valid)
// becomes Error, whose message is err's text (one `file:line:col: key: msg`
// line per problem) and whose Location holds the range of every located
// problem of a *descriptor.Error. Errors without a location (a non-Linux
// platform, a bad SOURCE_DATE_EPOCH) get no ranges, so buildx prints no
// excerpt. slimfront has no warnings: a descriptor is valid or it is not,
// so Warnings is always empty.
func lintResults(sm *llb.SourceMap, err error) *lint.LintResults {
	res := &lint.LintResults{Sources: []*pb.SourceInfo{sourceInfo(sm)}}
	if err == nil {
		return res
	}
	res.Error = &lint.BuildError{Message: err.Error(), Location: pb.Location{SourceIndex: 0}}
	var de *descriptor.Error
	if errors.As(err, &de) {
		for _, p := range de.Problems {
			if p.Range.Start.Line > 0 {
				res.Error.Location.Ranges = append(res.Error.Location.Ranges, toPB(p.Range))
			}
		}
	}
	return res
}

// sourceInfo is the descriptor as BuildKit carries a source file in
// subrequest results and errors (name, language, bytes, and the LLB
// definition that read it when there is one).
func sourceInfo(sm *llb.SourceMap) *pb.SourceInfo {
	info := &pb.SourceInfo{Data: sm.Data, Filename: sm.Filename, Language: sm.Language}
	if sm.Definition != nil {
		info.Definition = sm.Definition.ToPB()
	}
	return info
}

// outlineOf lists what a build of l can be given (BuildKit's
// frontend/subrequests/outline): every build arg in presets.BuildArgs with
// its description and the value the build would use, the secrets of
// `[build] secrets` and the ssh agent of `[build] ssh` (both required by
// the build's RUN steps), and the cache mounts of the first target's Plan.
// buildArgs are the request's --build-arg values; opts are the frontend
// options (buildx passes its git info as vcs:source and vcs:revision).
//
// Values: build args that override a descriptor key (SLIM_PRESET,
// SLIM_VERSION, SLIM_ENTRYPOINT) show that key after defaults and build-arg
// overrides (an unset version shows empty: the language's default
// applies); SLIM_SOURCE and SLIM_REVISION the label value (build arg, else
// buildx's git info); any other (SOURCE_DATE_EPOCH) the build arg. Locations point at the descriptor line that sets the value, when
// one does (a build-arg override has none).
func outlineOf(l *presets.Loaded, buildArgs, opts map[string]string) *outline.Outline {
	app := l.App
	o := &outline.Outline{Description: summary(l), Sources: [][]byte{app.Source}}
	vcs := map[string]string{"SLIM_SOURCE": "vcs:source", "SLIM_REVISION": "vcs:revision"}
	for _, a := range presets.BuildArgs {
		arg := outline.Arg{Name: a.Name, Description: a.Description, Value: buildArgs[a.Name]}
		if a.Key != "" {
			arg.Value = keyValue(app, a.Key)
		}
		if arg.Value == "" && vcs[a.Name] != "" {
			arg.Value = opts[vcs[a.Name]]
		}
		if a.Key != "" {
			arg.Location = location(app, a.Key)
		}
		o.Args = append(o.Args, arg)
	}
	for i, id := range app.Build.Secrets {
		o.Secrets = append(o.Secrets, outline.Secret{Name: id, Required: true, Location: location(app, fmt.Sprintf("build.secrets[%d]", i))})
	}
	if app.Build.SSH {
		o.SSH = append(o.SSH, outline.SSH{Name: "default", Required: true, Location: location(app, "build.ssh")})
	}
	seen := map[string]bool{}
	for _, st := range l.Plans[0].Stages {
		for _, step := range st.Steps {
			if step.Run == nil {
				continue
			}
			for _, c := range step.Run.Caches {
				if !seen[c.ID] {
					seen[c.ID] = true
					o.Cache = append(o.Cache, outline.CacheMount{ID: c.ID, Location: location(app, step.Key)})
				}
			}
		}
	}
	return o
}

// keyValue is the value of a descriptor key a build arg overrides, as the
// build uses it (after defaults and overrides), "" when it is not set.
func keyValue(app *descriptor.App, key string) string {
	switch key {
	case "preset":
		return app.Preset
	case "version":
		return app.Version
	case "entrypoint":
		if len(app.Entrypoint.Argv) > 0 {
			return strings.Join(app.Entrypoint.Argv, " ")
		}
		return app.Entrypoint.Path
	}
	return ""
}

// targetsOf is the one target a descriptor has (BuildKit's
// frontend/subrequests/targets): the default, unnamed, described by the
// language, preset and platforms, with the final image's base.
func targetsOf(l *presets.Loaded) *targets.List {
	t := targets.Target{Default: true, Description: summary(l), Base: finalBase(l.Plans[0]), Location: location(l.App, "preset")}
	return &targets.List{Targets: []targets.Target{t}, Sources: [][]byte{l.App.Source}}
}

// summary describes a loaded build in one line, e.g.
// "go app on scratch for linux/amd64".
func summary(l *presets.Loaded) string {
	ps := make([]string, len(l.Targets))
	for i, t := range l.Targets {
		ps[i] = platforms.Format(t.Platform)
	}
	return fmt.Sprintf("%s app on %s for %s", l.App.Language, l.App.Preset, strings.Join(ps, ", "))
}

// finalBase is what the Plan's final stage starts from: an image
// reference or "scratch", following stage-on-stage bases.
func finalBase(p llbgen.Plan) string {
	if len(p.Stages) == 0 {
		return ""
	}
	byName := map[string]llbgen.Stage{}
	for _, s := range p.Stages {
		byName[s.Name] = s
	}
	b := p.Final().Base
	for range len(p.Stages) {
		if b.Stage == "" {
			break
		}
		b = byName[b.Stage].Base
	}
	switch {
	case b.Scratch:
		return "scratch"
	default:
		return b.Image
	}
}

// location is the descriptor range of key as a BuildKit location in the
// result's first (only) source, nil when the key is not in the file.
func location(app *descriptor.App, key string) *pb.Location {
	if key == "" {
		return nil
	}
	r, ok := app.Range(key)
	if !ok || r.Start.Line == 0 {
		return nil
	}
	return &pb.Location{SourceIndex: 0, Ranges: []*pb.Range{toPB(r)}}
}
