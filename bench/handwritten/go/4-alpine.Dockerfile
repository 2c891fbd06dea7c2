# Seed 003, step 3: build and run on Alpine (10.8 MB in the article); seed 000
# level 4 "Epic" is the same idea for Python.
# Adapted: there is no golang:*-alpine image and no Alpine package repository
# here, so the build stage is golang:1.26 (Debian) with CGO_ENABLED=0 (a static
# binary runs on musl), and alpine:3.22 is the project's structural stand-in
# (musl + busybox); ARG PKG selects the example's main package.
FROM golang:1.26 AS build
WORKDIR /app
COPY . .
ARG PKG=.
RUN CGO_ENABLED=0 go build -o /app/server $PKG

FROM alpine:3.22
COPY --from=build /app/server /app/server
EXPOSE 8080
CMD ["/app/server"]
