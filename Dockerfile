# issgraph in a container: a slim Python base, a virtual environment, a non-root user, nothing
# written outside /tmp at run time (run it with a read-only root filesystem and a tmpfs on /tmp).
# tests/test_deploy.py runs these RUN steps as a script on the host and lints this file with
# hadolint; no image has been built from it here (see README, "Deploy").
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/issgraph/bin:$PATH \
    ISSGRAPH_DATA_PATH=/app/data/iss.ttl \
    ISSGRAPH_ONTOLOGY_PATH=/app/ontology/iss.ttl \
    ISSGRAPH_SHAPES_PATH=/app/shapes/iss.ttl \
    ISSGRAPH_QUERIES_PATH=/app/queries \
    ISSGRAPH_RELEASES_PATH=/app/releases \
    ISSGRAPH_CACHE_DIR=/tmp/issgraph-cache

WORKDIR /app
COPY pyproject.toml README.md LICENSE CITATION.cff ./
COPY src ./src
COPY ontology ./ontology
COPY data ./data
COPY shapes ./shapes
COPY queries ./queries
COPY releases ./releases

# The package and Oxigraph's server (PyPI `oxigraph`, for compose.yaml's store) in a venv;
# then the graph is validated once, so an image of a graph that does not conform is never made.
RUN python -m venv /opt/issgraph \
 && /opt/issgraph/bin/pip install '.[store]' \
 && /opt/issgraph/bin/issgraph validate --quiet \
 && /opt/issgraph/bin/issgraph release --check

# The user the server runs as, and the store's directory (a volume in compose.yaml) it may write.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin issgraph \
 && mkdir /data \
 && chown 10001:10001 /data
USER 10001:10001

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]
CMD ["issgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
