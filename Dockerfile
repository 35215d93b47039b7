# The production image: runtime packages only, from a lock with hashes; psycopg2 built from
# source against Debian's libpq; static files and translations prepared at build time; runs as
# a non-root user. The same image runs web (gunicorn), worker, beat and the one-shot migrate.

# --- build stage: compilers and headers stay here ----------------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev gettext \
        libldap2-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /venv
COPY requirements/prod.lock /tmp/prod.lock
RUN /venv/bin/pip install --require-hashes --no-deps -r /tmp/prod.lock
WORKDIR /app
COPY . .
# Compiled now, never at start: translations and the hashed static files.
RUN DEBUG=false SECRET_KEY=build-only-not-secret /venv/bin/python manage.py compilemessages \
        --ignore=.venv --ignore=var \
    && DEBUG=false SECRET_KEY=build-only-not-secret /venv/bin/python manage.py collectstatic \
        --noinput \
    && /venv/bin/python -m compileall -q /app /venv

# --- runtime stage ------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH \
    MEDIA_ROOT=/data/media
# libpq5 for psycopg2 (backups run in the postgres image: see docker-compose.yml); OpenLDAP's
# client library for python-ldap (LDAP/Active Directory login).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libldap-2.5-0 libsasl2-2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app --shell /usr/sbin/nologin cart \
    && mkdir -p /data/media /backups \
    && chown cart:cart /data/media /backups
COPY --from=build /venv /venv
COPY --from=build --chown=root:root /app /app
WORKDIR /app
# var/ holds only the beat schedule at run time; everything else in /app is read-only.
RUN mkdir -p /app/var \
    && chown cart:cart /app/var
USER cart
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "cart_workflow.wsgi:application"]
