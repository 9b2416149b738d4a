# Atelier core, worker and bots: one image, the command picks the process.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY core/package.json core/
COPY bots/package.json bots/
COPY web-admin/package.json web-admin/
# npm ci's postinstall applies these (patch-package): fixes to dependencies not yet released upstream.
COPY patches/ patches/
RUN npm ci --no-audit --no-fund
COPY . .
# The web app core serves at /admin, /billing, /studio and /gallery (npm start would build it otherwise).
RUN npm run build -w web-admin
# PostgreSQL refuses to run as root, and so should we.
USER node
EXPOSE 8787
CMD ["npm", "start"]
