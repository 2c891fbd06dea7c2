package presets

import (
	"github.com/slimfront/slimfront/internal/descriptor"
	"github.com/slimfront/slimfront/llbgen"
)

// Secrets returns the descriptor's `[build] secrets` as BuildKit secret
// mounts at /run/secrets/<id>, for the steps that fetch dependencies. The
// values never reach a layer, the image config or the build history: only
// the mount exists, for the duration of the step. A secret named "netrc" is
// also announced through NETRC, which Go, pip and curl read.
func Secrets(app *descriptor.App) (mounts []llbgen.Secret, env []llbgen.KV) {
	for _, id := range app.Build.Secrets {
		mounts = append(mounts, llbgen.Secret{ID: id, Target: "/run/secrets/" + id})
		if id == "netrc" {
			env = append(env, llbgen.KV{Key: "NETRC", Value: "/run/secrets/netrc"})
		}
	}
	return mounts, env
}

// FetchRun decorates a dependency-fetching run with the descriptor's secrets
// and SSH agent forwarding (`[build] ssh = true`).
func FetchRun(app *descriptor.App, r *llbgen.Run) *llbgen.Run {
	mounts, env := Secrets(app)
	r.Secrets = append(r.Secrets, mounts...)
	r.Env = append(r.Env, env...)
	r.SSH = r.SSH || app.Build.SSH
	return r
}

// AptInstall installs `[build] packages` in a Debian-based build stage, with
// apt's caches as cache mounts so a rebuild downloads nothing. They stay in
// the build stage: nothing from it reaches the final image unless copied.
func AptInstall(app *descriptor.App, packages []string) llbgen.Step {
	argv := append([]string{"sh", "-c",
		`set -e; rm -f /etc/apt/apt.conf.d/docker-clean; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"`,
		"apt-install"}, packages...)
	return llbgen.Step{
		Reason: "build-only system packages from [build] packages; never in the final image",
		Key:    "build.packages",
		Run: &llbgen.Run{Argv: argv, Caches: []llbgen.Cache{
			{Target: "/var/cache/apt", ID: "apt-cache", Locked: true},
			{Target: "/var/lib/apt", ID: "apt-lists", Locked: true},
		}},
	}
}

// Unsupported reports descriptor keys a preset does not use, so a value is
// never silently ignored.
func Unsupported(app *descriptor.App, language string, keys map[string]bool) error {
	var errs []*descriptor.Error
	check := func(key string, set bool) {
		if set && keys[key] {
			errs = append(errs, descriptor.Errorf(app, key, "%s is not used by the %s preset; remove it", key, language))
		}
	}
	check("build.script", app.Build.Script != "")
	check("run.packages", len(app.Run.Packages) > 0)
	check("run.sourceless", app.Run.Sourceless) // Python's bytecode-only venv
	if e := descriptor.Join(errs...); e != nil {
		return e
	}
	return nil
}
