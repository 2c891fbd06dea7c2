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

# scratch: nothing but the binary, CA certificates and account files
FROM --platform=$BUILDPLATFORM golang:1.26 AS final-files-2
RUN <<'SLIM_SH'
set -eu
mkdir -p /out/etc
cat > /out/etc/passwd <<'SLIM_EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
SLIM_EOF
chmod 644 /out/etc/passwd
mkdir -p /out/etc
cat > /out/etc/group <<'SLIM_EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
SLIM_EOF
chmod 644 /out/etc/group
mkdir -p /out/home/nonroot
chmod 700 /out/home/nonroot
chown 65532:65532 /out/home/nonroot
mkdir -p /out/tmp
chmod 1777 /out/tmp
SLIM_SH

FROM scratch AS final
ARG TARGETOS TARGETARCH
# CA certificates for outgoing TLS
COPY --from=build ["/etc/ssl/certs/ca-certificates.crt","/etc/ssl/certs/ca-certificates.crt"]
# account of the non-root user
COPY --from=final-files-2 /out/ /
# the stripped static binary, last because it changes most often
COPY --from=build ["/out/server","/app/server"]

# final image configuration
ENV PORT="8080"
EXPOSE 8080/tcp
LABEL dev.slimfront.language="go"
LABEL dev.slimfront.preset="scratch"
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
