# Seed 002, "distroless" (76.7 MB in the article): build in the Node image, run on
# distroless nodejs. The seed's "alpine" step (node:8-alpine, 69.7 MB) cannot be
# built here (no Node on the alpine stand-in, no Alpine packages), so this is
# the Node baseline.
# Adapted: node:8 -> node:22-trixie-slim, gcr.io/distroless/nodejs ->
# gcr.io/distroless/nodejs22-debian13; COPY . . (more files than index.js);
# `npm run build --if-present` for node-express; the seed's CMD ["index.js"] ->
# the example's entrypoint via ARG ENTRY is not possible in exec form, so CMD
# names server.js (not exercised by bench, which measures builds).
# bench:baseline
FROM node:22-trixie-slim AS build
WORKDIR /app
COPY . .
RUN npm install && npm run build --if-present

FROM gcr.io/distroless/nodejs22-debian13
COPY --from=build /app /app
WORKDIR /app
EXPOSE 3000
CMD ["server.js"]
