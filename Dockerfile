FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# python-ldap (LDAP/Active Directory login) builds against OpenLDAP's headers.
RUN apt-get update && apt-get install -y --no-install-recommends gettext libldap-2.5-0 \
        libsasl2-2 gcc libldap2-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt \
    && apt-get purge -y --auto-remove gcc libldap2-dev libsasl2-dev
COPY . .
# Static files are collected at build time; the key is only for this step.
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && useradd --system --home /app cart && chown -R cart /app/var
USER cart
EXPOSE 8000
CMD ["gunicorn", "cart_workflow.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "5", "--access-logfile", "-"]
