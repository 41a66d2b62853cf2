# briefing as a container. Build and run (see README):
#   docker build -t briefing .
#   docker run --rm -v briefing-var:/app/var -v briefing-out:/app/out briefing
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
CMD ["briefing", "send", "--dry-run"]
