# magbot: one process serving the configured platforms. Data (SQLite, Matrix E2EE store) lives in /data.
# Runs as the unprivileged user `magbot`; /healthz on port 9108 is its health check (docs/OPERATING.md).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY magbot ./magbot
COPY config ./config
RUN pip install --no-cache-dir ".[postgres]" \
    && useradd --create-home --uid 10001 magbot \
    && mkdir /data && chown magbot /data
USER magbot
ENV MAGBOT_DATA_DIR=/data \
    MAGBOT_DATABASE_URL=sqlite+aiosqlite:////data/magbot.db \
    MAGBOT_MATRIX_STORE_PATH=/data/matrix-store \
    MAGBOT_HEALTH_LISTEN=0.0.0.0:9108
VOLUME ["/data"]
EXPOSE 9108
# No curl in the slim image: Python asks /healthz (ready: database, receive loops, outbox age).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(0 if u.urlopen('http://127.0.0.1:9108/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["magbot"]
CMD ["run"]
