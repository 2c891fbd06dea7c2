# Seed 003 (gadiener, "How to build a smaller Docker image"), step 1: build and run
# in the full Go image (823 MB in the article).
# Adapted: golang:1.26 stand-in (Debian trixie) for the article's golang tag;
# ARG PKG (set by bench from slim.toml's entrypoint) selects the main package,
# the article's app was a single main package at the root.
FROM golang:1.26
WORKDIR /app
COPY . .
ARG PKG=.
RUN go build -o /app/server $PKG
EXPOSE 8080
CMD ["/app/server"]
