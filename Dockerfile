# One image for every service; the command picks which one runs.
FROM oven/bun:1.4.5-debian AS base
WORKDIR /app
COPY package.json bun.lock bunfig.toml tsconfig.json ./
RUN bun install --frozen-lockfile --production
COPY lib ./lib
COPY services ./services
COPY bin ./bin
COPY migrations ./migrations
# The embedded mode writes its database and files here; /app stays root-owned and read-only to it.
RUN mkdir /data && chown bun:bun /data
VOLUME /data
ENV AJET_HOST=0.0.0.0 \
    AJET_DATA_DIR=/data \
    BUN_CONFIG_MAX_HTTP_REQUESTS=65336
USER bun
CMD ["bun", "bin/ajet-chat.ts", "serve"]
