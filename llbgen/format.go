package llbgen

import (
	"fmt"
	"strings"
)

// Format renders a Plan as readable text, one line per stage and step with
// the reason for each: `slim plan` output and golden files of presets.
func Format(p Plan) string {
	var b strings.Builder
	for _, s := range p.Stages {
		where := "target"
		if s.Where == OnBuild {
			where = "build platform"
		}
		base := s.Base.Image
		switch {
		case s.Base.Scratch:
			base = "scratch"
		case s.Base.Stage != "":
			base = "stage " + s.Base.Stage
		}
		verify := ""
		switch {
		case s.Explains != "":
			verify = ", explains a failure of " + s.Explains
		case s.Verify:
			verify = ", verifies the image"
		}
		fmt.Fprintf(&b, "stage %s FROM %s (on %s%s)\n", s.Name, base, where, verify)
		if s.Reason != "" {
			fmt.Fprintf(&b, "  # %s\n", s.Reason)
		}
		if len(s.Env) > 0 {
			fmt.Fprintf(&b, "  ENV %s\n", kvs(s.Env))
		}
		if s.Dir != "" {
			fmt.Fprintf(&b, "  WORKDIR %s\n", s.Dir)
		}
		for _, st := range s.Steps {
			fmt.Fprintf(&b, "  %s", Describe(st))
			if st.Run != nil {
				for _, c := range st.Run.Caches {
					fmt.Fprintf(&b, " [cache %s=%s]", c.ID, c.Target)
				}
				for _, sec := range st.Run.Secrets {
					fmt.Fprintf(&b, " [secret %s]", sec.ID)
				}
				for _, m := range st.Run.Mounts {
					fmt.Fprintf(&b, " [mount %s:%s=%s]", strings.TrimPrefix(m.From, "image:"), orRoot(m.Source), m.Target)
				}
				if st.Run.SSH {
					b.WriteString(" [ssh]")
				}
				if st.Run.Network == NetNone {
					b.WriteString(" [no network]")
				}
			}
			if st.Reason != "" {
				fmt.Fprintf(&b, "\n    # %s", st.Reason)
			}
			b.WriteString("\n")
		}
	}
	c := p.Image
	fmt.Fprintf(&b, "image\n  ENTRYPOINT %q\n  USER %s\n  WORKDIR %s\n", c.Entrypoint, c.User, c.Dir)
	if len(c.Env) > 0 {
		fmt.Fprintf(&b, "  ENV %s\n", kvs(c.Env))
	}
	if len(c.Ports) > 0 {
		fmt.Fprintf(&b, "  EXPOSE %s\n", strings.Join(c.Ports, " "))
	}
	if len(c.Volumes) > 0 {
		fmt.Fprintf(&b, "  VOLUME %s\n", strings.Join(c.Volumes, " "))
	}
	if len(c.Labels) > 0 {
		fmt.Fprintf(&b, "  LABEL %s\n", kvs(c.Labels))
	}
	if h := c.Healthcheck; h != nil {
		flags := h.Flags()
		if flags != "" {
			flags += " "
		}
		fmt.Fprintf(&b, "  HEALTHCHECK %sCMD %q\n", flags, h.Argv)
	}
	for _, ch := range p.Checks {
		fmt.Fprintf(&b, "check %s exists (%s)\n", ch.Path, ch.Key)
	}
	return b.String()
}

func kvs(list []KV) string {
	parts := make([]string, len(list))
	for i, kv := range list {
		parts[i] = fmt.Sprintf("%s=%q", kv.Key, kv.Value)
	}
	return strings.Join(parts, " ")
}

func orRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
