# syntax=docker/dockerfile:1
#
# The image the `airflow` platform's tasks run in, `ghcr.io/datasurface/datasurface-rs:v<version>`:
# the `datasurface` binary on a slim Debian, run as an unprivileged user.
#
#   docker build -t ghcr.io/datasurface/datasurface-rs:v0.1.0 .
#
# The same image serves the model service's read-only REST API (docs/serve.md):
#
#   docker run --rm -p 8080:8080 -v "$PWD/model:/model:ro" ghcr.io/datasurface/datasurface-rs:v0.1.0 \
#       serve /model --addr 0.0.0.0:8080
#
# The build stage compiles the command line (SQLite is compiled in, so the
# runtime needs no database library; TLS to databases links the system's
# OpenSSL); the runtime stage holds only the binary and the CA certificates
# package, which brings OpenSSL's library with it.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
RUN apt-get update \
    && apt-get install --yes --no-install-recommends pkg-config libssl-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked -p datasurface-cli \
    && strip target/release/datasurface

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install --yes --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /home/datasurface datasurface
COPY --from=build /src/target/release/datasurface /usr/local/bin/datasurface
USER 10001:10001
WORKDIR /home/datasurface
# `datasurface serve`'s port, when the image runs the model service.
EXPOSE 8080
ENTRYPOINT ["datasurface"]
CMD ["--help"]
