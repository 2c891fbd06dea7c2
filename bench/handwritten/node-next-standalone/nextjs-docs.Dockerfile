# The Dockerfile Next.js's documentation points to for output: "standalone"
# (vercel/next.js, examples/with-docker/Dockerfile): a deps stage installing
# from the lockfile, a builder copying node_modules and the sources and
# running next build, a runner with public/, .next/standalone and
# .next/static, a non-root user, PORT and HOSTNAME=0.0.0.0.
# Adapted: node:<v>-alpine -> node:22-trixie-slim (no Alpine Node image can be
# stood in here), so alpine's `apk add libc6-compat` is dropped and
# addgroup/adduser become Debian's groupadd/useradd; only the npm branch of
# the lockfile switch (the example uses npm); NEXT_TELEMETRY_DISABLED set as
# in slim.toml's [build.env] (the docs have it as a line to uncomment).
# Environment only: npm ci trusts the intercepting proxy's CAs that the
# stand-in keeps in /usr/local/share/ca-certificates (the slim image has no
# CA bundle, and node reads one extra CA file: NODE_EXTRA_CA_CERTS).
# bench:baseline
FROM node:22-trixie-slim AS base

FROM base AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN cat /usr/local/share/ca-certificates/*.crt > /tmp/env-ca.pem && NODE_EXTRA_CA_CERTS=/tmp/env-ca.pem npm ci

FROM base AS builder
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN npm run build

FROM base AS runner
WORKDIR /app
ENV NODE_ENV=production
ENV NEXT_TELEMETRY_DISABLED=1
RUN groupadd --system --gid 1001 nodejs && useradd --system --uid 1001 --gid nodejs nextjs
COPY --from=builder /app/public ./public
COPY --from=builder --chown=nextjs:nodejs /app/.next/standalone ./
COPY --from=builder --chown=nextjs:nodejs /app/.next/static ./.next/static
USER nextjs
EXPOSE 3000
ENV PORT=3000
ENV HOSTNAME="0.0.0.0"
CMD ["node", "server.js"]
