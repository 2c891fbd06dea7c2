# Not a seed: the yardstick of the goal "scratch Go within 5 % of stripped
# binary + certs" (issue 6). A stripped, trimmed static binary and the CA bundle
# on scratch, nothing else. Measured for size only.
# bench:size-only
FROM golang:1.26 AS build
WORKDIR /app
COPY go.mod go.sum* ./
RUN go mod download
COPY . .
ARG PKG=.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /app/server $PKG

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /app/server /app/server
ENTRYPOINT ["/app/server"]
