package llbgen

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	"google.golang.org/protobuf/encoding/protojson"
)

// DumpJSON renders a marshalled LLB definition as indented JSON, one op per
// entry in definition order with its digest: for `slim llb` and golden tests.
func DumpJSON(def *llb.Definition) ([]byte, error) {
	type entry struct {
		Digest digest.Digest   `json:"digest"`
		Op     json.RawMessage `json:"op"`
		Name   string          `json:"name,omitempty"`
	}
	var out []entry
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return nil, fmt.Errorf("decode op: %w", err)
		}
		js, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(&op)
		if err != nil {
			return nil, err
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, js); err != nil {
			return nil, err
		}
		d := digest.FromBytes(dt)
		e := entry{Digest: d, Op: compact.Bytes()}
		if md, ok := def.Metadata[d]; ok {
			e.Name = md.Description["llb.customname"]
		}
		out = append(out, e)
	}
	return json.MarshalIndent(out, "", "  ")
}
