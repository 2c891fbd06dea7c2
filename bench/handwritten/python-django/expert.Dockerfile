# What an expert writes by hand for examples/python-django (Django +
# WhiteNoise served by gunicorn, static files collected at build time): a
# Debian builder with Debian's python3.13 (the interpreter distroless
# python3-debian13 runs, at the same path) makes a venv from requirements.txt
# alone with pip's cache mounted, then copies the sources and runs
# collectstatic; the final stage is distroless python3 :nonroot with the venv
# and the app (sources plus collected/), no shell, no pip cache, non-root.
# Environment only: PIP_CERT points pip at the system CA bundle, which holds
# this environment's proxy CAs.
# bench:baseline
FROM debian:13-slim AS build
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates
RUN python3 -m venv /venv
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
COPY requirements.txt /tmp/requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip /venv/bin/pip install -r /tmp/requirements.txt
WORKDIR /app
COPY . .
RUN DJANGO_SETTINGS_MODULE=bookshelf.settings /venv/bin/python manage.py collectstatic --noinput

FROM gcr.io/distroless/python3-debian13:nonroot
COPY --from=build /venv /venv
COPY --from=build /app /app
WORKDIR /app
ENV PATH=/venv/bin:/usr/bin:/bin PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=bookshelf.settings PORT=8000
EXPOSE 8000
ENTRYPOINT ["/venv/bin/gunicorn", "--workers", "2", "bookshelf.wsgi"]
