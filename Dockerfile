# hotspots web service: slim, non-root, health-checked.
#
#   docker build -t hotspots .
#   docker run -p 8000:8000 -v hotspots-data:/data hotspots        # empty SQLite store
#   docker run -p 8000:8000 hotspots hotspots serve --with-sample-data   # demo data, asked for
#   docker compose up -d      # with PostgreSQL/PostGIS: see docker-compose.yml, README
#
# The store is HOTSPOTS_DATABASE_URL (default: SQLite in the /data volume). A
# PostgreSQL schema is created or upgraded only by `hotspots db upgrade` (the
# compose file's `migrate` service), never by starting the service.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (the evidence report's PDF) needs pango and a font at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0=1.50.* libpangoft2-1.0-0=1.50.* fonts-dejavu-core=2.37-* \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --uid 10001 --user-group hotspots \
    && mkdir /data && chown hotspots:hotspots /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY hotspots ./hotspots
COPY api ./api
COPY boundaries ./boundaries
# The sample files are in the image but loaded only when asked (--with-sample-data).
COPY sample_data ./sample_data
RUN pip install --no-cache-dir -e .

USER 10001:10001
ENV HOTSPOTS_DATA_DIR=/data \
    HOTSPOTS_HOST=0.0.0.0 \
    HOTSPOTS_PORT=8000
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/api/v1/health' % os.environ.get('HOTSPOTS_PORT', '8000'), timeout=4)"]
CMD ["hotspots", "serve"]
