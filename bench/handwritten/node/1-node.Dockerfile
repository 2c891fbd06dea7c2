# Seed 002 (Saifeddine Rajhi, after learnk8s), first Dockerfile: everything in
# the Node image, one layer per instruction (the article's node:8 image).
# Adapted: node:8 -> node:22-trixie-slim (the only Node image here; there is no
# full node:22); `COPY package.json index.js` -> `COPY . .` because the examples
# have more files; `npm run build --if-present` for node-express's TypeScript
# build; CMD is the seed's `npm start` (not exercised by bench, which
# measures builds).
FROM node:22-trixie-slim
EXPOSE 3000
WORKDIR /app
COPY . .
RUN npm install && npm run build --if-present
CMD ["npm", "start"]
