# Production image: gunicorn serving the portal, static files through WhiteNoise.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 portal

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .

COPY . .
# The PDF fonts are built into the image (about a minute), not by the first report.
ENV FONT_CACHE_DIR=/app/fonts
RUN export DEBUG=False SECRET_KEY="$(python -c "import secrets; print(secrets.token_urlsafe(50))")" \
    && python manage.py collectstatic --noinput && python manage.py prepare_fonts \
    && mkdir -p /app/media && chown -R portal:portal /app/media

USER portal
EXPOSE 8000
# Workers, threads, timeouts and keep-alive: gunicorn.conf.py (one file for every way of running).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "laocai_portal.wsgi:application"]
