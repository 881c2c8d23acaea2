# hotspots service: the embedded SQLite store in a volume, sample data loaded on
# first start. Build: docker build -t hotspots .  Run: docker run -p 8000:8000 hotspots
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY hotspots ./hotspots
COPY api ./api
COPY boundaries ./boundaries
COPY sample_data ./sample_data
RUN pip install --no-cache-dir -e .

ENV HOTSPOTS_DATA_DIR=/data \
    HOTSPOTS_HOST=0.0.0.0 \
    HOTSPOTS_PORT=8000
VOLUME ["/data"]
EXPOSE 8000
CMD ["hotspots", "serve", "--with-sample-data"]
