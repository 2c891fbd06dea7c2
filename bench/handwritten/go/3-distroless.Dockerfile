# Seed 000/004 (hatedabamboo), level 3 "Rare": multi-stage build into a distroless
# runtime (81.7 MB for the article's Python app).
# Adapted: the article's technique applied to Go, since the seed's own distroless
# example is Python: build in golang:1.26 (stand-in, trixie), run on
# gcr.io/distroless/static-debian13 (the article used python3-debian12, which
# upstream withdrew); the dependency manifests are copied first as in the
# article's requirements.txt step; go.sum* because go-hello has no go.sum.
FROM golang:1.26 AS build
WORKDIR /app
COPY go.mod go.sum* ./
RUN go mod download
COPY . .
ARG PKG=.
RUN CGO_ENABLED=0 go build -o /app/server $PKG

FROM gcr.io/distroless/static-debian13
COPY --from=build /app/server /app/server
WORKDIR /app
ENTRYPOINT ["/app/server"]
