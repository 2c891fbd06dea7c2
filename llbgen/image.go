package llbgen

import (
	"strings"
	"time"

	"github.com/containerd/platforms"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// imageConfig merges the Plan's image config over the base image config.
func imageConfig(base *dockerspec.DockerOCIImage, plan Plan, opt Options) *dockerspec.DockerOCIImage {
	img := &dockerspec.DockerOCIImage{}
	if base != nil {
		cp := *base
		cp.Config.Env = append([]string(nil), base.Config.Env...)
		cp.Config.Labels = nil
		cp.History = append([]ocispecs.History(nil), base.History...)
		img = &cp
		if base.Config.Labels != nil {
			img.Config.Labels = map[string]string{}
			for k, v := range base.Config.Labels {
				img.Config.Labels[k] = v
			}
		}
	} else {
		img.Config.Env = []string{"PATH=" + defaultPath}
	}
	p := platforms.Normalize(opt.TargetPlatform)
	img.Platform = ocispecs.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}
	img.RootFS.Type = "layers"
	img.RootFS.DiffIDs = nil

	c := plan.Image
	if c.Entrypoint != nil {
		img.Config.Entrypoint = c.Entrypoint
		img.Config.Cmd = nil
	}
	if c.Cmd != nil {
		img.Config.Cmd = c.Cmd
	}
	if c.User != "" {
		img.Config.User = c.User
	}
	if c.Dir != "" {
		img.Config.WorkingDir = c.Dir
	}
	for _, kv := range c.Env {
		img.Config.Env = setEnv(img.Config.Env, kv.Key, kv.Value)
	}
	if len(c.Ports) > 0 {
		img.Config.ExposedPorts = map[string]struct{}{}
		for _, port := range c.Ports {
			img.Config.ExposedPorts[port] = struct{}{}
		}
	}
	if len(c.Volumes) > 0 {
		vols := map[string]struct{}{}
		for v := range img.Config.Volumes {
			vols[v] = struct{}{}
		}
		for _, v := range c.Volumes {
			vols[v] = struct{}{}
		}
		img.Config.Volumes = vols
	}
	if len(c.Labels) > 0 && img.Config.Labels == nil {
		img.Config.Labels = map[string]string{}
	}
	for _, kv := range c.Labels {
		img.Config.Labels[kv.Key] = kv.Value
	}
	if c.StopSignal != "" {
		img.Config.StopSignal = c.StopSignal
	}
	if h := c.Healthcheck; h != nil {
		img.Config.Healthcheck = &dockerspec.HealthcheckConfig{
			Test:        append([]string{"CMD"}, h.Argv...),
			Interval:    h.Interval,
			Timeout:     h.Timeout,
			StartPeriod: h.StartPeriod,
			Retries:     h.Retries,
		}
	}

	var created *time.Time
	if opt.Epoch != nil {
		t := opt.Epoch.UTC()
		created = &t
		img.Created = &t
	} else {
		img.Created = nil
	}
	final := plan.Final()
	for _, g := range Groups(final.Steps) {
		img.History = append(img.History, ocispecs.History{
			Created:   created,
			CreatedBy: g.Describe(final.Steps) + " # slimfront",
			Comment:   final.Steps[g.First].Reason,
		})
	}
	return img
}

func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if name, _, _ := strings.Cut(e, "="); name == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}
