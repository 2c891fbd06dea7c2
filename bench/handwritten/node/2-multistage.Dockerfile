# Seed 002, "multi-stage": the same build, then the app directory copied into a
# fresh Node image so the build's layers are merged.
# Adapted: node:8 -> node:22-trixie-slim; COPY . . (more files than index.js);
# `npm run build --if-present` for node-express; ARG ENTRY (slim.toml's
# entrypoint, set by bench) as the script.
FROM node:22-trixie-slim AS build
WORKDIR /app
COPY . .
RUN npm install && npm run build --if-present

FROM node:22-trixie-slim
COPY --from=build /app /app
WORKDIR /app
EXPOSE 3000
ARG ENTRY=server.js
ENV ENTRY=$ENTRY
CMD ["sh", "-c", "exec node \"$ENTRY\""]
