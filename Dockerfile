# The slimfront frontend image (pushed as org/slimfront). BuildKit runs
# /bin/slimfront when a build file starts with `# syntax=org/slimfront`.
# Build: hack/env up (buildctl, dockerfile.v0), or
#   docker buildx build -t <registry>/org/slimfront:latest --push .
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
# The health-check probe ([run] healthcheck = "/path") for every target the
# plans support, whatever this image's own platform: plans copy
# /usr/libexec/slimfront/<os>/<arch>/slim-probe into the app image as a file
# (never run here). Standard library only, static, stripped: ~1.4 MB each.
# Copied on its own so that edits elsewhere do not rebuild it.
COPY cmd/slim-probe/ cmd/slim-probe/
RUN --mount=type=cache,target=/root/.cache/go-build \
    for arch in amd64 arm64; do \
      CGO_ENABLED=0 GOOS=linux GOARCH=$arch \
      go build -trimpath -ldflags="-s -w -buildid=" -o /out/probe/linux/$arch/slim-probe ./cmd/slim-probe || exit 1; \
    done
COPY . .
ARG TARGETOS TARGETARCH VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w -buildid= -X main.Version=$VERSION" -o /out/slimfront ./cmd/slimfront

FROM scratch
COPY --from=build /out/slimfront /bin/slimfront
COPY --from=build /out/probe/ /usr/libexec/slimfront/
# Frontend capabilities BuildKit checks before honoring --build-context,
# subrequests (--print, --call) and frontend inputs; the frontend itself
# needs no network.
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts" \
      org.opencontainers.image.title="slimfront" \
      org.opencontainers.image.description="BuildKit frontend: slim.toml app descriptors to small, non-root images"
USER 65532:65532
ENTRYPOINT ["/bin/slimfront"]
