package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/docker/cli/cli/config"
	"github.com/moby/buildkit/client"
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer" // BUILDKIT_HOST=docker-container://...
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/util/appdefaults"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/slimfront/slimfront/presets"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
)

// frontendAttrs are the gateway frontend attributes of a build: the
// frontend image, the descriptor's name and what buildx would send for
// --platform, --build-arg and --no-cache.
func frontendAttrs(o buildOpts) (map[string]string, error) {
	attrs := map[string]string{
		"source":   o.frontend,
		"filename": filepath.Base(o.file),
	}
	if len(o.platforms.vals) > 0 {
		attrs["platform"] = strings.Join(o.platforms.vals, ",")
	}
	for _, a := range o.buildArgs.vals {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			v, ok = os.LookupEnv(k) // like docker: --build-arg KEY takes $KEY
			if !ok {
				continue
			}
		}
		if k == "" {
			return nil, fmt.Errorf("--build-arg %q: want KEY=VALUE", a)
		}
		attrs["build-arg:"+k] = v
	}
	for key, v := range map[string]string{"preset": o.preset, "version": o.version} {
		if v != "" {
			attrs["build-arg:"+presets.BuildArgFor(key)] = v
		}
	}
	if o.noCache {
		attrs["no-cache"] = ""
	}
	return attrs, nil
}

// attachables are the session services the build may call back: registry
// credentials, secrets and the SSH agent.
func attachables(o buildOpts, stderr io.Writer) ([]session.Attachable, error) {
	dockerConfig := config.LoadDefaultConfigFile(stderr)
	att := []session.Attachable{authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: authprovider.LoadAuthConfig(dockerConfig),
	})}
	if len(o.secrets.vals) > 0 {
		var srcs []secretsprovider.Source
		for _, s := range o.secrets.vals {
			fields, err := csv.NewReader(strings.NewReader(s)).Read()
			if err != nil {
				return nil, fmt.Errorf("--secret %q: %v", s, err)
			}
			var src secretsprovider.Source
			for _, f := range fields {
				k, v, _ := strings.Cut(f, "=")
				switch k {
				case "id":
					src.ID = v
				case "src", "source":
					src.FilePath = v
				case "env":
					src.Env = v
				case "type":
				default:
					return nil, fmt.Errorf("--secret %q: unknown key %q (id, src, env)", s, k)
				}
			}
			if src.ID == "" {
				return nil, fmt.Errorf("--secret %q: id= is required", s)
			}
			srcs = append(srcs, src)
		}
		store, err := secretsprovider.NewStore(srcs)
		if err != nil {
			return nil, err
		}
		att = append(att, secretsprovider.NewSecretProvider(store))
	}
	if len(o.ssh.vals) > 0 {
		var confs []sshprovider.AgentConfig
		for _, s := range o.ssh.vals {
			id, paths, _ := strings.Cut(s, "=")
			c := sshprovider.AgentConfig{ID: id}
			if paths != "" {
				c.Paths = strings.Split(paths, ",")
			}
			confs = append(confs, c)
		}
		sp, err := sshprovider.NewSSHAgentProvider(confs)
		if err != nil {
			return nil, fmt.Errorf("--ssh: %w", err)
		}
		att = append(att, sp)
	}
	return att, nil
}

// solve runs the build on buildkitd with the slimfront image as a gateway
// frontend and BuildKit's progress display on stderr.
func solve(o buildOpts, outs []output, stdout, stderr io.Writer) (*client.SolveResponse, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	addr := o.addr
	if addr == "" {
		addr = os.Getenv("BUILDKIT_HOST")
	}
	if addr == "" {
		addr = appdefaults.Address
	}
	c, err := client.New(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("buildkitd at %s: %w", addr, err)
	}
	defer c.Close()
	ictx, cancel := context.WithTimeout(ctx, 20*time.Second)
	_, err = c.Info(ictx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("cannot reach buildkitd at %s: %w\n(set BUILDKIT_HOST or --addr, e.g. docker-container://buildx_buildkit_NAME0 for a buildx builder)", addr, err)
	}

	attrs, err := frontendAttrs(o)
	if err != nil {
		return nil, err
	}
	ctxFS, err := fsutil.NewFS(o.dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", o.dir, err)
	}
	absFile, err := filepath.Abs(o.file)
	if err != nil {
		return nil, err
	}
	dfFS, err := fsutil.NewFS(filepath.Dir(absFile))
	if err != nil {
		return nil, err
	}
	att, err := attachables(o, stderr)
	if err != nil {
		return nil, err
	}
	var exports []client.ExportEntry
	for _, out := range outs {
		exports = append(exports, out.entry(stdout))
	}
	opt := client.SolveOpt{
		Frontend:      "gateway.v0",
		FrontendAttrs: attrs,
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		Exports:       exports,
		Session:       att,
	}

	disp, err := progressui.NewDisplay(stderr, progressui.DisplayMode(o.progress))
	if err != nil {
		return nil, fmt.Errorf("--progress %s: %w", o.progress, err)
	}
	ch := make(chan *client.SolveStatus)
	eg, gctx := errgroup.WithContext(ctx)
	var resp *client.SolveResponse
	eg.Go(func() error {
		var err error
		resp, err = c.Solve(gctx, nil, opt, ch)
		return err
	})
	eg.Go(func() error {
		// The display drains the channel even after a failure, so it must
		// not stop with the solve's context.
		warnings, err := disp.UpdateFrom(context.WithoutCancel(gctx), ch)
		for _, w := range warnings {
			fmt.Fprintf(stderr, "WARNING: %s\n", w.Short)
		}
		return err
	})
	return resp, eg.Wait()
}

// printBuildError prints a build error with the descriptor lines it points
// at, like buildx does.
func printBuildError(stderr io.Writer, err error) {
	for _, s := range errdefs.Sources(err) {
		_ = s.Print(stderr)
	}
	fmt.Fprintf(stderr, "slim build: %s\n", strings.TrimSpace(err.Error()))
}
