# Seed 000/004 (hatedabamboo), level 3 "Rare" (81.7 MB): venv built on Debian,
# copied into distroless Python. The seeds' smallest Python image this
# environment can build (level 4 "Epic" needs python:3.12-alpine and Alpine
# packages; seed 001's alpine variants likewise), so it is the Python baseline.
# Adapted: debian:12-slim -> debian:13-slim and python3-debian12 ->
# python3-debian13 (the -debian12 language images were withdrawn upstream; the
# venv's Python must match the runtime's, 3.13 on both); git added to the apt
# line (python-falcon's git dependency, as seed 001 does); ca-certificates +
# PIP_CERT so the venv's pip trusts this environment's proxy CAs; CMD not
# exercised by bench.
# bench:baseline
FROM debian:13-slim AS build
RUN apt-get update \
    && apt-get install --no-install-suggests --no-install-recommends --yes python3-venv gcc libpython3-dev git ca-certificates \
    && python3 -m venv /venv \
    && PIP_CERT=/etc/ssl/certs/ca-certificates.crt /venv/bin/pip install --upgrade pip setuptools wheel

FROM build AS build-venv
COPY requirements.txt /requirements.txt
RUN PIP_CERT=/etc/ssl/certs/ca-certificates.crt /venv/bin/pip install --disable-pip-version-check -r /requirements.txt

FROM gcr.io/distroless/python3-debian13
COPY --from=build-venv /venv /venv
COPY . /app
WORKDIR /app
ENTRYPOINT ["/venv/bin/python3", "app.py"]
