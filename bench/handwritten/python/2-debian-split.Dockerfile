# Seed 001 (python:3.11-slim "split": build + release stages, venv copied, pip,
# setuptools and packaging uninstalled; 191 MB in the article).
# Adapted: there is no python:3.11-slim here, so both stages are debian:13-slim
# with Debian's python3 (the release stage installs python3 only, no git/pip);
# PIP_CERT points pip (the venv's own, unpatched pip) at the system CA bundle,
# which holds this environment's proxy CAs; CMD not exercised by bench.
FROM debian:13-slim AS build
WORKDIR /app
COPY ./requirements.txt .
RUN apt-get update
RUN apt-get install -y git python3-venv ca-certificates
RUN python3 -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PIP_CERT=/etc/ssl/certs/ca-certificates.crt
RUN pip3 install --no-cache-dir -r requirements.txt
RUN pip3 uninstall -y pip setuptools packaging

FROM debian:13-slim AS release
RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*
EXPOSE 80
WORKDIR /app
COPY . .
COPY --from=build /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
CMD ["python3", "app.py"]
