# One image for every usewatch service; docker-compose.yml picks the module to run.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY schemas ./schemas
COPY services ./services
COPY usewatch ./usewatch
RUN pip install --no-cache-dir --no-deps .
ENV PYTHONUNBUFFERED=1
CMD ["python", "-m", "services.gateway"]
