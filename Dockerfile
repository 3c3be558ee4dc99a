FROM python:3.11-slim
WORKDIR /srv/agora
COPY pyproject.toml README.md babel.cfg ./
COPY app ./app
COPY clustering ./clustering
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
RUN pip install --no-cache-dir . && pybabel compile -d app/translations
ENV AGORA_INSTANCE_PATH=/srv/agora/instance
EXPOSE 5000
CMD ["agora", "serve", "--host", "0.0.0.0", "--port", "5000"]
