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
WORKDIR /src
# dependency manifests alone, so a source edit keeps the download cached
COPY ["go.mod","go.sum","/src/"]
# every go.mod/go.sum/go.work of the context and vendor/modules.txt: local replace and workspace modules resolve without listing them
COPY [".","/src/"]
# check local replace directories, then download modules into a cache mount shared by all builds (skipped when vendored)
RUN --mount=type=cache,target=/go/pkg/mod,id=go-mod ["sh","-c","set -eu\nfail=0\nfor f in \"$@\"; do\n  [ -f \"$f\" ] || continue\n  d=$(dirname \"$f\")\n  awk '{ sub(/\\/\\/.*/, \"\") }\n    /^[ \\t]*(replace|use)[ \\t]*\\([ \\t]*$/ { blk = $1; next }\n    blk != \"\" \u0026\u0026 /^[ \\t]*\\)/ { blk = \"\"; next }\n    { kw = blk; line = $0\n      if (kw == \"\" \u0026\u0026 ($1 == \"replace\" || $1 == \"use\")) { kw = $1; sub(/^[ \\t]*(replace|use)[ \\t]+/, \"\", line) }\n      if (kw == \"\") next\n      if (kw == \"replace\") { i = index(line, \"=\u003e\"); if (!i) next; line = substr(line, i + 2) }\n      n = split(line, w, /[ \\t]+/); p = \"\"\n      for (j = 1; j \u003c= n; j++) if (w[j] != \"\") { p = w[j]; break }\n      gsub(/\"/, \"\", p)\n      if (p ~ /^\\.\\.?(\\/|$)/ || p ~ /^\\//) print FNR \"\\t\" kw \"\\t\" p }' \"$f\" \u003e /tmp/localdirs\n  while IFS=\"$(printf '\\t')\" read -r n kw p; do\n    abs=$(realpath -m \"$d/$p\")\n    case \"$abs\" in\n      /src|/src/*) [ -f \"$abs/go.mod\" ] || { echo \"${f#/src/}:$n: $kw =\u003e $p: ${abs#/src/}/go.mod is not in the build context (left out by .dockerignore?)\" \u003e\u00262; fail=1; } ;;\n      *) echo \"${f#/src/}:$n: $kw =\u003e $p: the directory is outside the build context, which is all a build can read; move the module inside the context (and use a relative path), or vendor it (go mod vendor)\" \u003e\u00262; fail=1 ;;\n    esac\n  done \u003c /tmp/localdirs\ndone\n[ \"$fail\" = 0 ] || exit 1\nif [ -f vendor/modules.txt ]; then\n  echo \"vendor/modules.txt: the modules are vendored; nothing to download (go build -mod=vendor)\"\n  echo \"  add \\\"vendor/modules.txt\\\" to deps in slim.toml to build them with the network off\"\n  exit 0\nfi\nexec go mod download\n","go mod download","/src/go.mod","/src/go.work"]
# the sources, after dependencies
COPY [".","/src/"]
# fail when a dependency has C code (cgo) and the descriptor does not say CGO_ENABLED
RUN --mount=type=cache,target=/go/pkg/mod,id=go-mod ["sh","-c","set -eu\npkg=$1; shift\ncgo=$(CGO_ENABLED=1 go list \"$@\" -deps -f '{{if and .CgoFiles (not .Standard)}}{{.ImportPath}}{{end}}' \"$pkg\" | tr '\\n' ' ')\nif [ -n \"$cgo\" ]; then\n  echo \"slim.toml: $pkg imports packages with C code (cgo): $cgo\" \u003e\u00262\n  echo \"  built with CGO_ENABLED=0 they are stubs or fail at run time. Add to slim.toml:\" \u003e\u00262\n  echo '    [build.env]' \u003e\u00262\n  echo '    CGO_ENABLED = \"1\"     # cgo with gcc; the image gets the C library it links' \u003e\u00262\n  echo '  or CGO_ENABLED = \"0\" to build their pure-Go fallback on purpose.' \u003e\u00262\n  exit 1\nfi\n","cgo-check","./cmd/server"]
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
# read every ELF object of the image as data; fail with the file and the missing library
RUN --mount=type=bind,from=final,target=/image --network=none ["/bin/slimfront","startcheck","--root","/image"]

# Start check, run by slimfront before every export; in this Dockerfile it runs with
# `docker buildx build --target startcheck-explain` (BuildKit builds only what the target needs).
# only when the start check fails: the same check with the builder's package database, to name the package to add
FROM --platform=$BUILDPLATFORM docker.io/org/slimfront:latest AS startcheck-explain
ARG TARGETOS TARGETARCH
ENV SLIM_TARGET_PLATFORM="$TARGETOS/$TARGETARCH"
USER 0:0
# read every ELF object of the image as data; fail with the file and the missing library
RUN --mount=type=bind,from=final,target=/image --mount=type=bind,from=build,source=/var/lib/dpkg,target=/builder/var/lib/dpkg --network=none ["/bin/slimfront","startcheck","--root","/image","--dpkg","/builder"]

# the image (the default target is the last stage)
FROM final
