# The supportkpi image: the worker, the topic tool, the publishing commands and the simulator.
# Not in it: the embedded broker (dev extra), and the benchmarks and generators, which the
# wheel leaves out (pyproject.toml); `supportkpi bench` or `generate` here says so, exit 2.
FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY streams ./streams
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11.11-slim-bookworm
RUN useradd --create-home --uid 10001 supportkpi
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY deploy/sla/policy.yaml /etc/supportkpi/sla-policy.yaml
USER supportkpi
WORKDIR /home/supportkpi
ENV SUPPORTKPI_WEB_HOST=0.0.0.0 \
    SUPPORTKPI_SLA_POLICY=/etc/supportkpi/sla-policy.yaml \
    SUPPORTKPI_DATA_DIR=/home/supportkpi/data \
    PYTHONUNBUFFERED=1
EXPOSE 6066
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:6066/health', timeout=2)" || exit 1
ENTRYPOINT ["supportkpi"]
CMD ["worker"]
