# One image for every service; the command picks which one runs.
FROM oven/bun:1-debian AS base
WORKDIR /app
COPY package.json bun.lock bunfig.toml tsconfig.json ./
RUN bun install --frozen-lockfile --production
COPY lib ./lib
COPY services ./services
COPY bin ./bin
COPY migrations ./migrations
ENV AJET_HOST=0.0.0.0 \
    BUN_CONFIG_MAX_HTTP_REQUESTS=65336
USER bun
CMD ["bun", "bin/ajet-chat.ts", "serve"]
