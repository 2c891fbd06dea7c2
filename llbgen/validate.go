package llbgen

import (
	"errors"
	"fmt"
	"strings"
)

// Validate checks the Plan's internal consistency: unique stage names,
// references to earlier stages only, exactly one action per step. A Plan
// that fails here is a preset bug, not a user error.
func Validate(p Plan) error {
	if len(p.Stages) == 0 {
		return errors.New("plan has no stages")
	}
	seen := map[string]bool{}
	verify := map[string]bool{}
	var errs []error
	if p.Stages[finalIndex(p)].Verify {
		errs = append(errs, errors.New("plan has only verify stages: no final image"))
	}
	useStage := func(stage, what, from string) {
		if verify[from] {
			errs = append(errs, fmt.Errorf("stage %q: %s verify stage %q, which only checks the image", stage, what, from))
		}
	}
	for _, s := range p.Stages {
		if s.Name == "" || s.Name == Context || strings.HasPrefix(s.Name, "image:") {
			errs = append(errs, fmt.Errorf("stage name %q is reserved or empty", s.Name))
		}
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("stage %q defined twice", s.Name))
		}
		n := 0
		if s.Base.Image != "" {
			n++
		}
		if s.Base.Stage != "" {
			n++
			if !seen[s.Base.Stage] {
				errs = append(errs, fmt.Errorf("stage %q: base stage %q is not an earlier stage", s.Name, s.Base.Stage))
			}
			useStage(s.Name, "builds on", s.Base.Stage)
		}
		if s.Base.Scratch {
			n++
		}
		if n != 1 {
			errs = append(errs, fmt.Errorf("stage %q: base must be exactly one of image, stage, scratch", s.Name))
		}
		for i, st := range s.Steps {
			k := 0
			for _, set := range []bool{st.Copy != nil, st.Run != nil, st.File != nil, st.Dir != nil} {
				if set {
					k++
				}
			}
			if k != 1 {
				errs = append(errs, fmt.Errorf("stage %q step %d: exactly one of copy, run, file, dir", s.Name, i+1))
				continue
			}
			if st.Copy != nil {
				f := st.Copy.From
				if f != Context && !strings.HasPrefix(f, "image:") && !seen[f] {
					errs = append(errs, fmt.Errorf("stage %q step %d: copy from unknown stage %q", s.Name, i+1, f))
				}
				useStage(s.Name, "copies from", f)
				if len(st.Copy.Src) == 0 || st.Copy.Dest == "" {
					errs = append(errs, fmt.Errorf("stage %q step %d: copy needs sources and a destination", s.Name, i+1))
				}
			}
			if st.Run != nil && len(st.Run.Argv) == 0 {
				errs = append(errs, fmt.Errorf("stage %q step %d: run with empty argv", s.Name, i+1))
			}
			if st.Run != nil {
				for _, m := range st.Run.Mounts {
					if !strings.HasPrefix(m.From, "image:") && !seen[m.From] {
						errs = append(errs, fmt.Errorf("stage %q step %d: mount of unknown stage %q", s.Name, i+1, m.From))
					}
					if !strings.HasPrefix(m.Target, "/") {
						errs = append(errs, fmt.Errorf("stage %q step %d: mount target %q is not absolute", s.Name, i+1, m.Target))
					}
					useStage(s.Name, "mounts", m.From)
				}
			}
		}
		if s.Explains != "" && (!s.Verify || !verify[s.Explains]) {
			errs = append(errs, fmt.Errorf("stage %q explains %q: both must be verify stages, the explained one earlier", s.Name, s.Explains))
		}
		seen[s.Name] = true
		verify[s.Name] = s.Verify
	}
	for _, v := range p.Image.Volumes {
		if !strings.HasPrefix(v, "/") {
			errs = append(errs, fmt.Errorf("image volume %q is not absolute", v))
		}
	}
	if h := p.Image.Healthcheck; h != nil && (len(h.Argv) == 0 || h.Argv[0] == "") {
		errs = append(errs, errors.New("image health check has an empty argv"))
	}
	return errors.Join(errs...)
}

// Describe renders a step as one Dockerfile-like line, used for vertex names
// and summaries.
func Describe(s Step) string {
	switch {
	case s.Copy != nil:
		c := s.Copy
		from := ""
		if c.From != Context {
			from = "--from=" + strings.TrimPrefix(c.From, "image:") + " "
		}
		return fmt.Sprintf("COPY %s%s %s", from, strings.Join(c.Src, " "), c.Dest)
	case s.Run != nil:
		args := make([]string, len(s.Run.Argv))
		for i, a := range s.Run.Argv {
			args[i] = shorten(a)
		}
		return "RUN " + strings.Join(args, " ")
	case s.File != nil:
		return fmt.Sprintf("FILE %s (%d bytes)", s.File.Path, len(s.File.Data))
	case s.Dir != nil:
		return "MKDIR " + s.Dir.Path
	}
	return "?"
}

// shorten keeps step names on one readable line: an inline script shows its
// first line that says what it does (shell preamble such as `set -eu`,
// blank lines and comments are skipped) and how many more lines it has.
func shorten(a string) string {
	lines := strings.Split(strings.TrimSpace(a), "\n")
	if len(lines) == 1 && len(a) <= 100 {
		return a
	}
	i := 0
	for i < len(lines)-1 && preamble(lines[i]) {
		i++
	}
	first := strings.TrimSpace(lines[i])
	for {
		head, rest, ok := strings.Cut(first, ";")
		if !ok || !preamble(head) || strings.TrimSpace(rest) == "" {
			break
		}
		first = strings.TrimSpace(rest)
	}
	if len(first) > 100 {
		first = first[:97] + "..."
	}
	if len(lines) > 1 {
		return fmt.Sprintf("%q (+%d lines)", first, len(lines)-1)
	}
	return fmt.Sprintf("%q", first)
}

// preamble reports whether a shell script line does nothing a reader needs
// to know the step: empty, a comment, or a `set` of shell options.
func preamble(line string) bool {
	l := strings.TrimSpace(line)
	return l == "" || strings.HasPrefix(l, "#") || l == "set" || strings.HasPrefix(l, "set -") || strings.HasPrefix(l, "set +")
}
