package bench

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/slimfront/slimfront/presets"
	"github.com/slimfront/slimfront/presets/all"
)

// unavailablePrefix starts the Err of a variant that cannot be built in this
// environment (a base image the stand-ins do not provide).
const unavailablePrefix = "not buildable here: "

// markUnavailable sets Err on slimfront and rendered variants whose plan
// needs a base image the local registry does not have (e.g. the alpine
// Python and Node images: no Alpine repository is reachable), so the report
// says why instead of showing a failed build.
func markUnavailable(registry string, apps []*App) {
	reg := all.Registry()
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	for _, a := range apps {
		if a.Skip != "" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(a.Dir, "slim.toml"))
		if err != nil {
			continue
		}
		for _, v := range a.Variants {
			if (v.Kind != KindSlim && v.Kind != KindRendered) || v.Result.Err != "" {
				continue
			}
			loaded, err := reg.Load(presets.Request{File: "slim.toml", Source: src,
				BuildArgs: map[string]string{presets.BuildArgFor("preset"): v.Preset}, Build: amd64, Files: presets.DirFiles(a.Dir)})
			if err != nil {
				continue
			}
			for _, st := range loaded.Plans[0].Stages {
				if st.Base.Image != "" && !inRegistry(registry, st.Base.Image) {
					v.Result.Err = fmt.Sprintf("%sbase image %s is not in the local registry (the environment cannot stand it in)", unavailablePrefix, st.Base.Image)
					break
				}
			}
		}
	}
}

// inRegistry asks the local registry (the docker.io/gcr.io mirror) for ref.
func inRegistry(registry, ref string) bool {
	repo, tag, _ := strings.Cut(ref, ":")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo, tag = ref[:i], ref[i+1:]
	} else {
		repo, tag = ref, "latest"
	}
	switch {
	case strings.HasPrefix(repo, "gcr.io/"):
		repo = strings.TrimPrefix(repo, "gcr.io/")
	case strings.HasPrefix(repo, "docker.io/"):
		repo = strings.TrimPrefix(repo, "docker.io/")
	}
	if !strings.Contains(repo, "/") {
		repo = "library/" + repo
	}
	req, err := http.NewRequest(http.MethodHead, fmt.Sprintf("http://%s/v2/%s/manifests/%s", registry, repo, tag), nil)
	if err != nil {
		return false
	}
	req.Header.Set("Accept", strings.Join([]string{ocispecs.MediaTypeImageIndex, ocispecs.MediaTypeImageManifest,
		"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"}, ", "))
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return true // cannot tell: let the build say what is wrong
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
