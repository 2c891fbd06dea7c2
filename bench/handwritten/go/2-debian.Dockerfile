# Seed 003, step 2: multi-stage, go build in the Go image, run on plain Debian
# (107 MB in the article).
# Adapted: golang:1.26 and debian:13-slim stand-ins (trixie) for the article's
# golang / debian tags; ARG PKG selects the example's main package.
FROM golang:1.26 AS build
WORKDIR /app
COPY . .
ARG PKG=.
RUN go build -o /app/server $PKG

FROM debian:13-slim
COPY --from=build /app/server /app/server
EXPOSE 8080
CMD ["/app/server"]
