# syntax=docker/dockerfile:1
# Tide in a container: `tide` is the entrypoint; the command picks the role
# (scheduler, worker, api, db migrate, standalone). Scheduler and worker replicas run
# `tide-scheduler` and `tide-worker` instead (the same roles in executables without the API and UI
# code, so each replica is a smaller process): `--entrypoint tide-worker`.
#
#   docker build -t tide:local .                  # from source, in the official Swift image
#   docker run --rm tide:local --help
#
# A binary built elsewhere (your CI, or scripts/compose-test where no registry is reachable) goes
# into the same runtime image with the `prebuilt` target; its build context is a folder holding
# `tide`, `tide-scheduler` and `tide-worker` (built on Debian 12 or older glibc) and `swift-runtime/` (the Swift
# runtime's .so files for dynamically linked binaries; an empty folder for ones built with
# --static-swift-stdlib):
#
#   docker build --target prebuilt -f Dockerfile -t tide:local path/to/that/folder
#
# Stages are ordered so that `--target prebuilt` never needs the Swift image, also with the classic
# builder (which builds every stage before its target).

ARG DEBIAN_IMAGE=debian:bookworm-slim
ARG SWIFT_IMAGE=swift:6.2-bookworm

# --- runtime: the shared C libraries, a shell for bash tasks, and an unprivileged user ----------
FROM ${DEBIAN_IMAGE} AS runtime-base
RUN apt-get update \
    && apt-get install -y --no-install-recommends libhiredis0.14 libpq5 libcurl4 ca-certificates tzdata bash \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 tide \
    && useradd --system --uid 10001 --gid tide --home-dir /home/tide --create-home --shell /usr/sbin/nologin tide \
    && mkdir -p /opt/tide/dags \
    && chown tide:tide /opt/tide/dags
ENV TIDE_DAGS_FOLDER=/opt/tide/dags \
    TIDE_API_HOST=0.0.0.0
WORKDIR /home/tide
EXPOSE 8080
ENTRYPOINT ["tide"]
CMD ["--help"]
USER 10001:10001

# --- prebuilt: the runtime image around a binary from the build context -------------------------
FROM runtime-base AS prebuilt
# Root only to register the runtime libraries with the dynamic linker; the image runs as tide.
USER root
COPY swift-runtime/ /usr/local/lib/swift-runtime/
COPY tide tide-scheduler tide-worker /usr/local/bin/
RUN echo /usr/local/lib/swift-runtime > /etc/ld.so.conf.d/swift-runtime.conf \
    && ldconfig \
    && tide --version \
    && tide-scheduler --version \
    && tide-worker --version
USER 10001:10001

# --- build: the Swift 6 toolchain and the C libraries' headers ---------------------------------
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libhiredis-dev libpq-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Linking ./Linking
COPY Sources ./Sources
COPY Tests ./Tests
COPY scripts/release-build ./scripts/
RUN swift package resolve
RUN scripts/release-build tide tide-scheduler tide-worker \
    && bin="$(swift build -c release --show-bin-path)" \
    && install -D -t /out "$bin/tide" "$bin/tide-scheduler" "$bin/tide-worker"

# --- runtime (the default target): the binary built above ---------------------------------------
FROM runtime-base AS runtime
COPY --from=build /out/tide /out/tide-scheduler /out/tide-worker /usr/local/bin/
