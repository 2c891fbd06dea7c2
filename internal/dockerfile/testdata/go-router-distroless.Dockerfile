# syntax=docker/dockerfile:1
# Rendered by `slim dockerfile` from slim.toml for any --platform. Edit the descriptor, not this file,
# unless you are ejecting from slimfront.

# compile on the build platform with the Go toolchain; never part of the image
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS TARGETARCH
ENV CGO_ENABLED="0"
ENV GOOS="$TARGETOS"
ENV GOARCH="$TARGETARCH"
ENV GOTOOLCHAIN="local"
ENV GOFLAGS="-mod=readonly"
WORKDIR /src
# dependency manifests alone, so a source edit keeps the download cached
COPY ["go.mod","go.sum","/src/"]
# download modules into a cache mount shared by all builds
RUN --mount=type=cache,target=/go/pkg/mod,id=go-mod ["go","mod","download"]
# the sources, after dependencies
COPY [".","/src/"]
# static, stripped, reproducible binary for $TARGETOS/$TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod,id=go-mod --mount=type=cache,target=/root/.cache/go-build,id=go-build ["go","build","-trimpath","-ldflags=-s -w -buildid=","-o","/out/server","./cmd/server"]

# distroless static: CA certificates, tzdata, passwd, no shell
FROM gcr.io/distroless/static-debian13:nonroot AS final
ARG TARGETOS TARGETARCH
# the stripped static binary, last because it changes most often
COPY --from=build ["/out/server","/app/server"]

# final image configuration
ENV PORT="8080"
EXPOSE 8080/tcp
LABEL dev.slimfront.language="go"
LABEL dev.slimfront.preset="distroless"
WORKDIR /app
USER 65532:65532
ENTRYPOINT ["/app/server"]
CMD []
