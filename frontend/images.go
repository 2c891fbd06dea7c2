package frontend

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/presets"
)

// imageSource resolves base images: a named context of the same name wins
// (`--build-context golang:1.26=...`), otherwise the registry, pinned by
// digest so the LLB (and its cache) is stable.
type imageSource struct {
	bc    *dockerui.Client
	c     client.Client
	multi bool
	// self is the reference the frontend itself runs from (BuildKit's
	// "source" option: the `# syntax=` image or --frontend source); the
	// plans' presets.ToolImage resolves to it, so the build-step tools
	// are the frontend's own binary. "" leaves ToolImage as written.
	self string
}

func (s *imageSource) Image(ctx context.Context, ref string, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error) {
	nc, err := s.bc.NamedContext(ref, dockerui.ContextOpt{Platform: &p, ResolveMode: s.bc.ImageResolveMode.String()})
	if err != nil {
		return llb.State{}, nil, err
	}
	if nc != nil {
		st, img, err := nc.Load(ctx)
		if err != nil {
			return llb.State{}, nil, err
		}
		if st != nil {
			return *st, img, nil
		}
	}
	if ref == presets.ToolImage && s.self != "" {
		// the `# syntax=` value is often untagged ("org/slimfront"): the
		// resolver needs a tag or digest, so default to :latest as
		// BuildKit does when it pulls the frontend
		if n, err := reference.ParseNormalizedNamed(s.self); err == nil {
			ref = reference.TagNameOnly(n).String()
		}
	}
	prefix := "[internal]"
	if s.multi {
		prefix = "[" + platforms.FormatAll(p) + " internal]"
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return llb.State{}, nil, err
	}
	mutRef, dgst, dt, err := s.c.ResolveImageConfig(ctx, named.String(), sourceresolver.Opt{
		LogName:  fmt.Sprintf("%s load metadata for %s", prefix, ref),
		ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &p, ResolveMode: s.bc.ImageResolveMode.String()},
	})
	if err != nil {
		return llb.State{}, nil, fmt.Errorf("base image %s for %s: %w (is it pushed to the registry buildkitd uses as mirror?)", ref, platforms.FormatAll(p), err)
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		return llb.State{}, nil, fmt.Errorf("image config of %s: %w", ref, err)
	}
	pinned := mutRef
	if dgst != "" {
		if n, err := reference.ParseNormalizedNamed(mutRef); err == nil {
			if d, err := reference.WithDigest(n, dgst); err == nil {
				pinned = d.String()
			}
		}
	}
	st := llb.Image(pinned, llb.Platform(p), s.bc.ImageResolveMode, llb.WithCustomName("[internal] load "+ref))
	st, err = st.WithImageConfig(dt)
	if err != nil {
		return llb.State{}, nil, err
	}
	return st, &img, nil
}
