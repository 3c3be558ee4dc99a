# Agora's image: the installed package (a wheel built here), run by an unprivileged user.
# The wheel carries the templates, static files, migrations and the catalogues it compiles
# (setup.py), so nothing in the final stage comes from the source tree.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md LICENSE ./
COPY app ./app
COPY clustering ./clustering
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --create-home --home-dir /srv/agora --uid 10001 agora
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER agora
WORKDIR /srv/agora
# SQLite file and generated secret key of a single container; compose sets DATABASE_URL and SECRET_KEY.
ENV AGORA_INSTANCE_PATH=/srv/agora/instance \
    PYTHONUNBUFFERED=1
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/healthz', timeout=2)"]
CMD ["agora", "serve", "--host", "0.0.0.0", "--port", "5000"]
