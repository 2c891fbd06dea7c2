// Package dockerfile renders a Plan as the equivalent multi-stage
// Dockerfile: the eject path (`slim dockerfile`) for tools that only take a
// Dockerfile, and a way to read what slimfront builds.
//
// It knows the Plan and Dockerfile syntax only, no language. Files and
// directories with exact modes and owners (which COPY --chmod cannot express
// for parents and sticky bits) are written in a helper stage that has a
// shell, then copied over.
package dockerfile

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/slimfront/slimfront/llbgen"
)

// Options describe what the Plan was made for, for the header comment.
type Options struct {
	Source   string // descriptor file name
	Platform string // target platform the Plan is for
	// Portable: the Plan was made for the platform {$TARGETOS, $TARGETARCH},
	// so every stage declares those build args and the Dockerfile works
	// for any --platform.
	Portable bool
}

// PortableOS and PortableArch are the placeholder platform fields a Plan
// gets for a Portable rendering.
const (
	PortableOS   = "$TARGETOS"
	PortableArch = "$TARGETARCH"
)

// Render returns the Dockerfile for plan.
func Render(plan llbgen.Plan, opt Options) (string, error) {
	if err := llbgen.Validate(plan); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("# syntax=docker/dockerfile:1\n")
	target := or(opt.Platform, "the default platform")
	if opt.Portable {
		target = "any --platform"
	}
	fmt.Fprintf(&b, "# Rendered by `slim dockerfile` from %s for %s. Edit the descriptor, not this file,\n# unless you are ejecting from slimfront.\n", or(opt.Source, "slim.toml"), target)
	shell := shellImage(plan)
	final := ""
	for i, s := range plan.Stages {
		if s.Verify && final == "" {
			// the image is complete: its config goes on the final stage,
			// before the checks that read it
			final = plan.Stages[i-1].Name
			writeImage(&b, plan.Image)
		}
		b.WriteString("\n")
		if s.Verify {
			fmt.Fprintf(&b, "# Start check, run by slimfront before every export; in this Dockerfile it runs with\n# `docker buildx build --target %s` (BuildKit builds only what the target needs).\n", s.Name)
		}
		if s.Reason != "" {
			fmt.Fprintf(&b, "# %s\n", s.Reason)
		}
		from := "FROM "
		if s.Where == llbgen.OnBuild {
			from += "--platform=$BUILDPLATFORM "
		}
		switch {
		case s.Base.Scratch:
			from += "scratch"
		case s.Base.Stage != "":
			from += s.Base.Stage
		default:
			from += s.Base.Image
		}
		// file groups are prepared in helper stages before this one
		helpers, err := fileHelpers(&b, s, shell)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s AS %s\n", from, s.Name)
		if opt.Portable {
			b.WriteString("ARG TARGETOS TARGETARCH\n")
		}
		for _, kv := range s.Env {
			fmt.Fprintf(&b, "ENV %s=%s\n", kv.Key, quote(kv.Value))
		}
		if s.Dir != "" {
			fmt.Fprintf(&b, "WORKDIR %s\n", s.Dir)
		}
		if s.User != "" {
			fmt.Fprintf(&b, "USER %s\n", s.User)
		}
		for gi, g := range llbgen.Groups(s.Steps) {
			step := s.Steps[g.First]
			if step.Reason != "" {
				fmt.Fprintf(&b, "# %s\n", step.Reason)
			}
			switch {
			case step.File != nil || step.Dir != nil:
				fmt.Fprintf(&b, "COPY --from=%s /out/ /\n", helpers[gi])
			case step.Copy != nil:
				writeCopy(&b, step.Copy)
			case step.Run != nil:
				writeRun(&b, step.Run)
			}
		}
	}
	if final == "" {
		writeImage(&b, plan.Image)
	} else {
		fmt.Fprintf(&b, "\n# the image (the default target is the last stage)\nFROM %s\n", final)
	}
	return b.String(), nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// shellImage is the first image-based stage's image: every Plan that needs
// exact files has a builder with a POSIX shell.
func shellImage(p llbgen.Plan) string {
	for _, s := range p.Stages {
		if s.Base.Image != "" {
			return s.Base.Image
		}
	}
	return ""
}

// fileHelpers writes one helper stage per File/Dir group of s and returns
// their names by group index.
func fileHelpers(b *strings.Builder, s llbgen.Stage, shell string) (map[int]string, error) {
	out := map[int]string{}
	for gi, g := range llbgen.Groups(s.Steps) {
		first := s.Steps[g.First]
		if first.File == nil && first.Dir == nil {
			continue
		}
		if shell == "" {
			return nil, fmt.Errorf("stage %s writes files but the plan has no image with a shell to prepare them", s.Name)
		}
		name := fmt.Sprintf("%s-files-%d", s.Name, gi+1)
		out[gi] = name
		fmt.Fprintf(b, "FROM --platform=$BUILDPLATFORM %s AS %s\nRUN <<'SLIM_SH'\nset -eu\n", shell, name)
		for _, st := range s.Steps[g.First : g.Last+1] {
			if f := st.File; f != nil {
				p := "/out" + f.Path
				data := string(f.Data)
				if !strings.HasSuffix(data, "\n") {
					return nil, fmt.Errorf("file %s: contents must end in a newline to render as a heredoc", f.Path)
				}
				fmt.Fprintf(b, "mkdir -p %s\ncat > %s <<'SLIM_EOF'\n%sSLIM_EOF\nchmod %o %s\n", path.Dir(p), p, data, f.Mode, p)
				if f.Chown != "" {
					fmt.Fprintf(b, "chown %s %s\n", f.Chown, p)
				}
			}
			if d := st.Dir; d != nil {
				p := "/out" + d.Path
				fmt.Fprintf(b, "mkdir -p %s\nchmod %o %s\n", p, d.Mode, p)
				if d.Chown != "" {
					fmt.Fprintf(b, "chown %s %s\n", d.Chown, p)
				}
			}
		}
		b.WriteString("SLIM_SH\n\n")
	}
	return out, nil
}

func writeCopy(b *strings.Builder, c *llbgen.Copy) {
	flags := ""
	if c.From != llbgen.Context {
		flags += " --from=" + strings.TrimPrefix(c.From, "image:")
	}
	if c.Chown != "" {
		flags += " --chown=" + c.Chown
	}
	if c.Mode != 0 {
		flags += fmt.Sprintf(" --chmod=%o", c.Mode)
	}
	for _, e := range c.Exclude {
		flags += " --exclude=" + e
	}
	// Parents: group sources by the directory they keep.
	byDest := map[string][]string{}
	var order []string
	for _, s := range c.Src {
		dest := c.Dest
		if c.Parents && strings.HasSuffix(dest, "/") && path.Dir(path.Clean(s)) != "." {
			dest = path.Join(dest, path.Dir(path.Clean(s))) + "/"
		}
		if _, ok := byDest[dest]; !ok {
			order = append(order, dest)
		}
		byDest[dest] = append(byDest[dest], s)
	}
	for _, dest := range order {
		args := append(append([]string{}, byDest[dest]...), dest)
		fmt.Fprintf(b, "COPY%s %s\n", flags, jsonArray(args))
	}
}

func writeRun(b *strings.Builder, r *llbgen.Run) {
	for _, kv := range r.Env {
		fmt.Fprintf(b, "ENV %s=%s\n", kv.Key, quote(kv.Value))
	}
	var flags []string
	for _, c := range r.Caches {
		f := fmt.Sprintf("--mount=type=cache,target=%s,id=%s", c.Target, c.ID)
		if c.Locked {
			f += ",sharing=locked"
		}
		flags = append(flags, f)
	}
	for _, s := range r.Secrets {
		f := "--mount=type=secret,id=" + s.ID
		if s.Env != "" {
			f += ",env=" + s.Env
		} else if s.Target != "" {
			f += ",target=" + s.Target
		}
		flags = append(flags, f)
	}
	for _, m := range r.Mounts {
		f := "--mount=type=bind,from=" + strings.TrimPrefix(m.From, "image:")
		if m.Source != "" && m.Source != "/" {
			f += ",source=" + m.Source
		}
		flags = append(flags, f+",target="+m.Target)
	}
	if r.SSH {
		flags = append(flags, "--mount=type=ssh")
	}
	if r.Network == llbgen.NetNone {
		flags = append(flags, "--network=none")
	}
	line := "RUN "
	if len(flags) > 0 {
		line += strings.Join(flags, " ") + " "
	}
	fmt.Fprintf(b, "%s%s\n", line, jsonArray(r.Argv))
}

func writeImage(b *strings.Builder, c llbgen.ImageConfig) {
	b.WriteString("\n# final image configuration\n")
	for _, kv := range c.Env {
		fmt.Fprintf(b, "ENV %s=%s\n", kv.Key, quote(kv.Value))
	}
	for _, p := range c.Ports {
		fmt.Fprintf(b, "EXPOSE %s\n", p)
	}
	if len(c.Volumes) > 0 {
		fmt.Fprintf(b, "VOLUME %s\n", jsonArray(c.Volumes))
	}
	labels := append([]llbgen.KV(nil), c.Labels...)
	sort.SliceStable(labels, func(i, j int) bool { return labels[i].Key < labels[j].Key })
	for _, kv := range labels {
		fmt.Fprintf(b, "LABEL %s=%s\n", kv.Key, quote(kv.Value))
	}
	if c.Dir != "" {
		fmt.Fprintf(b, "WORKDIR %s\n", c.Dir)
	}
	if c.User != "" {
		fmt.Fprintf(b, "USER %s\n", c.User)
	}
	if c.StopSignal != "" {
		fmt.Fprintf(b, "STOPSIGNAL %s\n", c.StopSignal)
	}
	if h := c.Healthcheck; h != nil {
		// exec form (CMD [...]): the image has no shell for CMD-SHELL
		flags := h.Flags()
		if flags != "" {
			flags += " "
		}
		fmt.Fprintf(b, "HEALTHCHECK %sCMD %s\n", flags, jsonArray(h.Argv))
	}
	if c.Entrypoint != nil {
		fmt.Fprintf(b, "ENTRYPOINT %s\n", jsonArray(c.Entrypoint))
	}
	if c.Cmd != nil {
		fmt.Fprintf(b, "CMD %s\n", jsonArray(c.Cmd))
	}
}

func jsonArray(a []string) string {
	if a == nil {
		a = []string{}
	}
	b, _ := json.Marshal(a)
	return string(b)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
