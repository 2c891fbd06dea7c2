# The slimfront frontend image (pushed as org/slimfront). BuildKit runs
# /bin/slimfront when a build file starts with `# syntax=org/slimfront`.
# Build: hack/env up (buildctl, dockerfile.v0), or
#   docker buildx build -t <registry>/org/slimfront:latest --push .
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS TARGETARCH VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w -buildid= -X main.Version=$VERSION" -o /out/slimfront ./cmd/slimfront

FROM scratch
COPY --from=build /out/slimfront /bin/slimfront
# Frontend capabilities BuildKit checks before honoring --build-context,
# subrequests (--print, --call) and frontend inputs; the frontend itself
# needs no network.
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts" \
      org.opencontainers.image.title="slimfront" \
      org.opencontainers.image.description="BuildKit frontend: slim.toml app descriptors to small, non-root images"
USER 65532:65532
ENTRYPOINT ["/bin/slimfront"]
