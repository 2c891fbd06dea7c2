package llbgen

import (
	"context"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// ImageSource resolves a base image reference for a platform into a state
// and its image config. The frontend implements it (named contexts, the
// registry); tests use a fake.
type ImageSource interface {
	Image(ctx context.Context, ref string, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error)
}

// UnresolvedImages is the ImageSource of offline renders (`slim llb`,
// benchmarks): each image by its reference, not pinned by digest, with an
// empty image config. The frontend resolves images through the registry
// and named contexts instead, so only the digests and base image configs
// differ between an offline render and the LLB the frontend solves.
type UnresolvedImages struct{}

// Image returns llb.Image(ref) for p and an empty config; it never fails.
func (UnresolvedImages) Image(_ context.Context, ref string, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error) {
	return llb.Image(ref, llb.Platform(p)), &dockerspec.DockerOCIImage{}, nil
}

// Options are the inputs of Render besides the Plan.
type Options struct {
	BuildPlatform  ocispecs.Platform
	TargetPlatform ocispecs.Platform
	Context        llb.State   // the main build context
	Images         ImageSource // base images
	SourceMap      *llb.SourceMap
	// Locate maps a descriptor key to its source range; nil or a nil
	// result leaves the op without a location.
	Locate  func(key string) *pb.Range
	CacheNS string // namespace for cache mount ids
	// NoCache reports whether a stage's steps must run even when cached
	// (`--no-cache`, `--no-cache-filter`); nil means never.
	NoCache func(stage string) bool
	Epoch   *time.Time // SOURCE_DATE_EPOCH: timestamps of created files and history
}

// Result is the rendered final stage and its image config.
type Result struct {
	State     llb.State
	Image     *dockerspec.DockerOCIImage
	BaseImage *dockerspec.DockerOCIImage // config of the final stage's base image, nil for scratch
	// Stages are the other stages' final states by name (SBOM scanners
	// look at build stages too: what went into the image, not only what
	// is left in it).
	Stages map[string]llb.State
	// Verify are the checks of the image that the caller must solve (and
	// see succeed) before exporting it.
	Verify []Check
}

// Check is a rendered Verify stage and, when the plan has one, the stage
// that explains its failure (solve Explain only when State fails, and
// report Explain's error).
type Check struct {
	Name    string
	State   llb.State
	Explain *llb.State
}

// Final returns the stage of the image itself: the last stage that is not
// a Verify stage (Validate guarantees there is one; for a plan without
// stages it returns the zero Stage).
func (p Plan) Final() Stage {
	if len(p.Stages) == 0 {
		return Stage{}
	}
	return p.Stages[finalIndex(p)]
}

// finalIndex is the index of the final image's stage: the last stage that
// is not a Verify stage (Validate guarantees there is one).
func finalIndex(p Plan) int {
	for i := len(p.Stages) - 1; i >= 0; i-- {
		if !p.Stages[i].Verify {
			return i
		}
	}
	return len(p.Stages) - 1
}

type stageOut struct {
	st    llb.State
	img   *dockerspec.DockerOCIImage // base config inherited along Base.Stage chains
	where Where
}

type renderer struct {
	opt    Options
	plan   Plan
	stages map[string]*stageOut
}

// Render turns a Plan into LLB for one target platform.
func Render(ctx context.Context, plan Plan, opt Options) (*Result, error) {
	if err := Validate(plan); err != nil {
		return nil, err
	}
	r := &renderer{opt: opt, plan: plan, stages: map[string]*stageOut{}}
	var last *stageOut
	for i := range plan.Stages {
		out, err := r.stage(ctx, &plan.Stages[i])
		if err != nil {
			return nil, err
		}
		r.stages[plan.Stages[i].Name] = out
	}
	final := finalIndex(plan)
	last = r.stages[plan.Stages[final].Name]
	img := imageConfig(last.img, plan, opt)
	others := map[string]llb.State{}
	var verify []Check
	for i, s := range plan.Stages {
		switch {
		case s.Verify && s.Explains == "":
			verify = append(verify, Check{Name: s.Name, State: r.stages[s.Name].st})
		case s.Verify:
		case i != final:
			others[s.Name] = r.stages[s.Name].st
		}
	}
	for _, s := range plan.Stages {
		if s.Explains == "" {
			continue
		}
		for i := range verify {
			if verify[i].Name == s.Explains {
				st := r.stages[s.Name].st
				verify[i].Explain = &st
			}
		}
	}
	return &Result{State: last.st, Image: img, BaseImage: last.img, Stages: others, Verify: verify}, nil
}

func (r *renderer) platform(w Where) ocispecs.Platform {
	if w == OnBuild {
		return r.opt.BuildPlatform
	}
	return r.opt.TargetPlatform
}

func (r *renderer) stage(ctx context.Context, s *Stage) (*stageOut, error) {
	p := r.platform(s.Where)
	out := &stageOut{where: s.Where}
	switch {
	case s.Base.Scratch:
		out.st = llb.Scratch().Platform(p)
	case s.Base.Stage != "":
		prev := r.stages[s.Base.Stage]
		out.st, out.img = prev.st, prev.img
	default:
		st, img, err := r.opt.Images.Image(ctx, s.Base.Image, p)
		if err != nil {
			return nil, fmt.Errorf("stage %s: base image %s: %w", s.Name, s.Base.Image, err)
		}
		out.st, out.img = st, img
	}
	for _, kv := range s.Env {
		out.st = out.st.AddEnv(kv.Key, kv.Value)
	}
	if s.Dir != "" {
		out.st = out.st.Dir(s.Dir)
	}
	if s.User != "" {
		out.st = out.st.User(s.User)
	}
	for _, g := range Groups(s.Steps) {
		step := s.Steps[g.First]
		name := fmt.Sprintf("[%s %d/%d] %s", s.Name, g.First+2, len(s.Steps)+1, g.Describe(s.Steps))
		c := r.constraints(name, step.Key, p)
		if r.opt.NoCache != nil && r.opt.NoCache(s.Name) {
			c = append(c, llb.IgnoreCache)
		}
		if g.Last > g.First || isFileStep(step) {
			out.st = r.files(out.st, s.Steps[g.First:g.Last+1], c)
			continue
		}
		st, err := r.step(ctx, out.st, step, p, c)
		if err != nil {
			return nil, fmt.Errorf("stage %s step %d: %w", s.Name, g.First+1, err)
		}
		out.st = st
	}
	return out, nil
}

// Group is a run of steps rendered as one op (and so one layer):
// consecutive File and Dir steps are merged, others stand alone.
type Group struct{ First, Last int }

// Groups splits steps into the ops they render to.
func Groups(steps []Step) []Group {
	var gs []Group
	for i := 0; i < len(steps); i++ {
		j := i
		if isFileStep(steps[i]) {
			for j+1 < len(steps) && isFileStep(steps[j+1]) {
				j++
			}
		}
		gs = append(gs, Group{i, j})
		i = j
	}
	return gs
}

// Describe joins the descriptions of the group's steps.
func (g Group) Describe(steps []Step) string {
	var parts []string
	for _, st := range steps[g.First : g.Last+1] {
		parts = append(parts, Describe(st))
	}
	return strings.Join(parts, "; ")
}

func isFileStep(s Step) bool { return s.File != nil || s.Dir != nil }

// files writes files and directories in one FileOp.
func (r *renderer) files(st llb.State, steps []Step, c []llb.ConstraintsOpt) llb.State {
	var fa *llb.FileAction
	add := func(a *llb.FileAction, then func(*llb.FileAction) *llb.FileAction) {
		if fa == nil {
			fa = a
		} else {
			fa = then(fa)
		}
	}
	parents := func(p string) {
		if dir := path.Dir(p); dir != "/" {
			// parents are plain root-owned 0755 dirs, whatever the leaf's mode
			add(llb.Mkdir(dir, 0o755, llb.WithParents(true), r.created()), func(fa *llb.FileAction) *llb.FileAction {
				return fa.Mkdir(dir, 0o755, llb.WithParents(true), r.created())
			})
		}
	}
	for _, s := range steps {
		if f := s.File; f != nil {
			parents(f.Path)
			add(llb.Mkfile(f.Path, os.FileMode(f.Mode), f.Data, chown(f.Chown), r.created()), func(fa *llb.FileAction) *llb.FileAction {
				return fa.Mkfile(f.Path, os.FileMode(f.Mode), f.Data, chown(f.Chown), r.created())
			})
		}
		if d := s.Dir; d != nil {
			parents(d.Path)
			if d.Mode&0o7000 == 0 {
				add(llb.Mkdir(d.Path, os.FileMode(d.Mode), llb.WithParents(true), chown(d.Chown), r.created()), func(fa *llb.FileAction) *llb.FileAction {
					return fa.Mkdir(d.Path, os.FileMode(d.Mode), llb.WithParents(true), chown(d.Chown), r.created())
				})
				continue
			}
			// Mkdir keeps only the permission bits; a copy sets sticky,
			// setuid and setgid bits too (e.g. /tmp 1777).
			empty := llb.Scratch().File(llb.Mkdir("/d", 0o755, r.created()))
			info := &llb.CopyInfo{Mode: &llb.ChmodOpt{Mode: os.FileMode(d.Mode)}, CreateDestPath: true}
			add(llb.Copy(empty, "/d", d.Path, info, chown(d.Chown), r.created()), func(fa *llb.FileAction) *llb.FileAction {
				return fa.Copy(empty, "/d", d.Path, info, chown(d.Chown), r.created())
			})
		}
	}
	return st.File(fa, c...)
}

func (r *renderer) constraints(name, key string, p ocispecs.Platform) []llb.ConstraintsOpt {
	c := []llb.ConstraintsOpt{llb.WithCustomName(name), llb.Platform(p)}
	if r.opt.SourceMap != nil && r.opt.Locate != nil && key != "" {
		if rng := r.opt.Locate(key); rng != nil {
			c = append(c, r.opt.SourceMap.Location([]*pb.Range{rng}))
		}
	}
	return c
}

func (r *renderer) step(ctx context.Context, st llb.State, step Step, p ocispecs.Platform, c []llb.ConstraintsOpt) (llb.State, error) {
	switch {
	case step.Copy != nil:
		return r.copy(ctx, st, step.Copy, p, c)
	case step.Run != nil:
		return r.run(ctx, st, step.Run, p, c)
	}
	return st, fmt.Errorf("empty step")
}

func (r *renderer) created() llb.CreatedTime {
	t := time.Unix(0, 0).UTC()
	if r.opt.Epoch != nil {
		t = *r.opt.Epoch
	}
	return llb.WithCreatedTime(t)
}

func (r *renderer) source(ctx context.Context, from string, p ocispecs.Platform) (llb.State, error) {
	switch {
	case from == Context:
		return r.opt.Context, nil
	case strings.HasPrefix(from, "image:"):
		st, _, err := r.opt.Images.Image(ctx, strings.TrimPrefix(from, "image:"), p)
		return st, err
	default:
		return r.stages[from].st, nil
	}
}

func (r *renderer) copy(ctx context.Context, st llb.State, c *Copy, p ocispecs.Platform, co []llb.ConstraintsOpt) (llb.State, error) {
	src, err := r.source(ctx, c.From, p)
	if err != nil {
		return st, err
	}
	var fa *llb.FileAction
	for _, s := range c.Src {
		info := &llb.CopyInfo{
			CreateDestPath:      true,
			AllowWildcard:       true,
			AllowEmptyWildcard:  c.AllowMiss,
			FollowSymlinks:      true,
			CopyDirContentsOnly: true,
			IncludePatterns:     c.Include,
			ExcludePatterns:     c.Exclude,
		}
		if c.Mode != 0 {
			m := os.FileMode(c.Mode)
			info.Mode = &llb.ChmodOpt{Mode: m}
		}
		opts := []llb.CopyOption{info, r.created()}
		if c.Chown != "" {
			opts = append(opts, chown(c.Chown))
		}
		dest := c.Dest
		if c.Parents && strings.HasSuffix(dest, "/") && path.Dir(path.Clean(s)) != "." {
			dest = path.Join(dest, path.Dir(path.Clean(s))) + "/"
		}
		if fa == nil {
			fa = llb.Copy(src, s, dest, opts...)
		} else {
			fa = fa.Copy(src, s, dest, opts...)
		}
	}
	return st.File(fa, co...), nil
}

func (r *renderer) run(ctx context.Context, st llb.State, run *Run, p ocispecs.Platform, c []llb.ConstraintsOpt) (llb.State, error) {
	opts := []llb.RunOption{llb.Args(run.Argv)}
	for _, m := range run.Mounts {
		src, err := r.source(ctx, m.From, p)
		if err != nil {
			return st, err
		}
		mo := []llb.MountOption{llb.Readonly}
		if m.Source != "" && m.Source != "/" {
			mo = append(mo, llb.SourcePath(m.Source))
		}
		opts = append(opts, llb.AddMount(m.Target, src, mo...))
	}
	for _, kv := range run.Env {
		opts = append(opts, llb.AddEnv(kv.Key, kv.Value))
	}
	for _, m := range run.Caches {
		sharing := llb.CacheMountShared
		if m.Locked {
			sharing = llb.CacheMountLocked
		}
		id := m.ID
		if r.opt.CacheNS != "" {
			id = r.opt.CacheNS + "/" + id
		}
		opts = append(opts, llb.AddMount(m.Target, llb.Scratch(), llb.AsPersistentCacheDir(id, sharing)))
	}
	for _, s := range run.Secrets {
		so := []llb.SecretOption{llb.SecretID(s.ID)}
		if s.Env != "" {
			opts = append(opts, llb.AddSecretWithDest(s.ID, nil, append(so, llb.SecretAsEnvName(s.Env))...))
			continue
		}
		target := s.Target
		if target == "" {
			target = "/run/secrets/" + s.ID
		}
		opts = append(opts, llb.AddSecret(target, so...))
	}
	if run.SSH {
		opts = append(opts, llb.AddSSHSocket())
	}
	if run.Network == NetNone {
		opts = append(opts, llb.Network(pb.NetMode_NONE))
	}
	for _, co := range c {
		opts = append(opts, co)
	}
	return st.Run(opts...).Root(), nil
}

func chown(s string) llb.ChownOpt {
	uid, gid, _ := ParseOwner(s)
	return llb.WithUIDGID(uid, gid).(llb.ChownOpt)
}

// ParseOwner parses "uid" or "uid:gid" (numeric only).
func ParseOwner(s string) (uid, gid int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	u, g, hasG := strings.Cut(s, ":")
	if uid, err = strconv.Atoi(u); err != nil {
		return 0, 0, fmt.Errorf("owner %q: uid must be numeric", s)
	}
	gid = uid
	if hasG {
		if gid, err = strconv.Atoi(g); err != nil {
			return 0, 0, fmt.Errorf("owner %q: gid must be numeric", s)
		}
	}
	return uid, gid, nil
}
