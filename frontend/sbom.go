package frontend

import (
	"context"
	"fmt"
	"sync"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/attestations/sbom"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/result"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/llbgen"
)

// sbomScanner returns the scanner for `--sbom` requests, nil when none.
func sbomScanner(ctx context.Context, c client.Client, bc *dockerui.Client) (sbom.Scanner, error) {
	if bc.SBOM == nil {
		return nil, nil
	}
	p := bc.BuildPlatforms[0]
	return sbom.CreateSBOMScanner(ctx, c, bc.SBOM.Generator, p, sourceresolver.Opt{
		ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &p, ResolveMode: bc.ImageResolveMode.String()},
	}, bc.SBOM.Parameters)
}

// attachSBOMs scans each platform's final image and, as extras, every build
// stage: the packages that built the app are part of its supply chain even
// when they are not in the (nearly empty) final image.
func attachSBOMs(ctx context.Context, c client.Client, rb *dockerui.ResultBuilder, scanner sbom.Scanner, targets *sync.Map) error {
	return rb.EachPlatform(ctx, func(ctx context.Context, id string, _ ocispecs.Platform) error {
		v, ok := targets.Load(id)
		if !ok {
			return fmt.Errorf("sbom: no build result for platform %s", id)
		}
		r := v.(*llbgen.Result)
		att, err := scanner(ctx, id, r.State, r.Stages)
		if err != nil {
			return err
		}
		solved, err := result.ConvertAttestation(&att, func(st *llb.State) (client.Reference, error) {
			def, err := st.Marshal(ctx)
			if err != nil {
				return nil, err
			}
			res, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
			if err != nil {
				return nil, err
			}
			return res.SingleRef()
		})
		if err != nil {
			return err
		}
		rb.AddAttestation(id, *solved)
		return nil
	})
}
