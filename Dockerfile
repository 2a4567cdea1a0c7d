# syntax=docker/dockerfile:1
# The Flotilla image, the chart's default (charts/flotilla): one `flotilla` for the bot
# (`flotilla bot`) and the runner (`flotilla runner start`), running the compiled dist/ as an
# installed package does. Build: docker build -t flotilla:0.1.0 .   (docs/operations.md)

# The TypeScript compiled into dist/ (npm run build), with the dev dependencies it takes.
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: `prepare` would build before the sources are here; the build runs below.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

# The production dependencies alone, from the lock file.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:20-slim
# git: the runner's checkouts and `uses:` actions, the bot's followed repositories.
# tini: PID 1 reaps what jobs leave behind and hands SIGTERM to flotilla alone, which drains.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --gid 10001 flotilla \
  && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/flotilla --shell /bin/bash flotilla
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
RUN chmod 0755 bin/flotilla.js && ln -s /app/bin/flotilla.js /usr/local/bin/flotilla
ENV NODE_ENV=production HOME=/home/flotilla
# Numeric, so Kubernetes' runAsNonRoot can check it. The bot reads app.yml from its working
# directory (/app); the runner works under FLOTILLA_RUNNER_WORK_DIR.
USER 10001:10001
EXPOSE 3000
ENTRYPOINT ["tini", "--", "flotilla"]
CMD ["bot"]
