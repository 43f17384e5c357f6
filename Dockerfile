# syntax=docker/dockerfile:1
# Tide in a container: `tide` is the entrypoint; the command picks the role
# (scheduler, worker, api, db migrate, standalone).
#   docker build -t tide:local .
#   docker run --rm tide:local --help

# --- build: the Swift 6 toolchain and the C libraries' headers ---------------------------------
FROM swift:6.2-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libhiredis-dev libpq-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift package resolve
RUN swift build -c release --product tide --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/tide" /out/tide

# --- runtime: the shared C libraries, a shell for bash tasks, and an unprivileged user ----------
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libhiredis0.14 libpq5 libcurl4 ca-certificates tzdata bash \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 tide \
    && useradd --system --uid 10001 --gid tide --home-dir /home/tide --create-home --shell /usr/sbin/nologin tide \
    && mkdir -p /opt/tide/dags \
    && chown tide:tide /opt/tide/dags
COPY --from=build /out/tide /usr/local/bin/tide
ENV TIDE_DAGS_FOLDER=/opt/tide/dags \
    TIDE_API_HOST=0.0.0.0
USER 10001:10001
WORKDIR /home/tide
EXPOSE 8080
ENTRYPOINT ["tide"]
CMD ["--help"]
