# briefing as a container: `briefing schedule` in the foreground (weekly send,
# feed polling, catch-up on start). Build and run (see README):
#   docker build -t briefing .
#   docker run -d --name briefing --restart unless-stopped --stop-timeout 60 \
#     -v "$PWD/briefing.toml:/app/config/briefing.toml:ro" -e BRIEFING_SMTP_PASSWORD \
#     -v briefing-var:/app/var -v briefing-out:/app/out briefing
# The config is mountable: replace /app/config/briefing.toml (its relative paths
# then still resolve to /app/var and /app/out), or mount it elsewhere and set
# BRIEFING_CONFIG to it (use absolute paths /app/var/briefing.db and /app/out).
# `docker stop` sends SIGTERM: the scheduler stops between two recipients;
# --stop-timeout leaves room for one SMTP exchange (smtp.timeout).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BRIEFING_CONFIG=/app/config/briefing.toml

WORKDIR /app
COPY pyproject.toml README.md ./
COPY briefing ./briefing
COPY templates ./templates
COPY config ./config
COPY seeds ./seeds
RUN pip install . && useradd --create-home --uid 10001 briefing \
    && mkdir -p /app/var /app/out && chown -R briefing /app/var /app/out

USER briefing
VOLUME ["/app/var", "/app/out"]
STOPSIGNAL SIGTERM
CMD ["briefing", "schedule"]
