# scimcore serve in a container: non-root, data under /data, a health check on /healthz.
#   docker build -t scimcore .
#   docker run -p 8000:8000 -e SCIMCORE_TOKEN=... -v scimcore-data:/data scimcore
# The compose file in deploy/ runs it on PostgreSQL.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE CHANGELOG.md ./
COPY scimcore ./scimcore
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[server,postgres]'

FROM python:3.12-slim
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home scimcore
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels 'scimcore[server,postgres]' && rm -rf /wheels
USER scimcore:scimcore
WORKDIR /data
VOLUME ["/data"]
ENV PYTHONUNBUFFERED=1 \
    SCIMCORE_DATABASE=sqlite:////data/scimcore.db
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["scimcore", "serve", "--host", "0.0.0.0", "--port", "8000"]
