# magbot: one process serving the configured platforms. Data (SQLite, Matrix E2EE store) lives in /data.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY magbot ./magbot
COPY config ./config
RUN pip install --no-cache-dir ".[postgres]" && useradd --create-home magbot && mkdir /data && chown magbot /data
USER magbot
ENV MAGBOT_DATA_DIR=/data \
    MAGBOT_DATABASE_URL=sqlite+aiosqlite:////data/magbot.db \
    MAGBOT_MATRIX_STORE_PATH=/data/matrix-store
VOLUME ["/data"]
ENTRYPOINT ["magbot"]
CMD ["run"]
