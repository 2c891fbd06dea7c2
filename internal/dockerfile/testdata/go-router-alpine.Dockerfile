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
RUN --mount=type=cache,target=/go/pkg/mod,id=go-mod --mount=type=cache,target=/root/.cache/go-build,id=go-build ["go","build","-trimpath","-ldflags=-s -w -buildid=","-tags=timetzdata","-o","/out/server","./cmd/server"]

# add the non-root user to alpine's account files without running on the target
FROM --platform=$BUILDPLATFORM golang:1.26 AS accounts
ARG TARGETOS TARGETARCH
# alpine's account files
COPY --from=alpine:3.22 ["/etc/passwd","/etc/group","/accounts/"]
# append the non-root user
RUN --network=none ["sh","-c","set -eu\ngrep -q '^[^:]*:[^:]*:65532:' /accounts/group || echo 'nonroot:x:65532:' \u003e\u003e /accounts/group\ngrep -q '^[^:]*:[^:]*:65532:' /accounts/passwd || echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' \u003e\u003e /accounts/passwd\n"]

# alpine: a small userland with a shell, for debugging
FROM --platform=$BUILDPLATFORM golang:1.26 AS final-files-2
RUN <<'SLIM_SH'
set -eu
mkdir -p /out/home/nonroot
chmod 700 /out/home/nonroot
chown 65532:65532 /out/home/nonroot
SLIM_SH

FROM alpine:3.22 AS final
ARG TARGETOS TARGETARCH
# the non-root user, added without running anything on the target platform
COPY --from=accounts ["/accounts/passwd","/accounts/group","/etc/"]
# home of the non-root user
COPY --from=final-files-2 /out/ /
# the stripped static binary, last because it changes most often
COPY --from=build ["/out/server","/app/server"]

# final image configuration
ENV PORT="8080"
EXPOSE 8080/tcp
LABEL dev.slimfront.language="go"
LABEL dev.slimfront.preset="alpine"
WORKDIR /app
USER 65532:65532
ENTRYPOINT ["/app/server"]
CMD []

# Start check, run by slimfront before every export; in this Dockerfile it runs with
# `docker buildx build --target startcheck` (BuildKit builds only what the target needs).
# prove the image can start: every program's loader and libraries are in it, for the target architecture
FROM --platform=$BUILDPLATFORM docker.io/org/slimfront:latest AS startcheck
ARG TARGETOS TARGETARCH
ENV SLIM_TARGET_PLATFORM="$TARGETOS/$TARGETARCH"
USER 0:0
# read every ELF object of the image as data; fail with the file, the missing library and its package
RUN --mount=type=bind,from=final,target=/image --mount=type=bind,from=build,source=/var/lib/dpkg,target=/builder/var/lib/dpkg --network=none ["/bin/slimfront","startcheck","--root","/image","--dpkg","/builder"]

# the image (the default target is the last stage)
FROM final
