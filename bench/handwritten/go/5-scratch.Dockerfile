# Seed 000/004 (hatedabamboo), level 5 "Legendary" (11.1 MB), the same as seed
# 003's last step (6.5 MB): static Go binary on scratch. The best hand-written
# Dockerfile of the seeds; bench's baseline for time ratios.
# Adapted:
# - golang:1.19-alpine -> golang:1.26 (stand-in, Debian trixie): no Alpine images
#   or repository here; `RUN apk update && apk add --no-cache git build-base`
#   dropped because the Debian-based Go image already has git and gcc.
# - COPY go.mod go.sum* (go-hello has no go.sum); COPY . . instead of
#   `COPY app.go .` (the examples have several packages); ARG PKG selects the
#   main package.
# bench:baseline
FROM golang:1.26 AS builder
WORKDIR /app
COPY go.mod go.sum* ./
RUN go mod download
COPY . .
ARG PKG=.
RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -a -installsuffix cgo -o app $PKG

FROM scratch
COPY --from=builder /app/app /app
EXPOSE 8080
ENTRYPOINT ["/app"]
