# The supportkpi image: the worker, the topic tool, the publishing commands and the simulator.
# Not in it: the embedded broker (dev extra), and the benchmarks and generators, which the
# wheel leaves out (pyproject.toml); `supportkpi bench` or `generate` here says so, exit 2.
# The build stage has gcc and the Python headers: the pure core (streams/domain) is compiled
# with mypyc, which type-checks it against the libraries it imports.
FROM python:3.11.11-bookworm AS build
WORKDIR /src
RUN pip install --no-cache-dir setuptools mypy==2.4.1 mypy-extensions orjson pyyaml types-PyYAML
COPY pyproject.toml setup.py README.md ./
COPY streams ./streams
RUN SUPPORTKPI_COMPILE_CORE=1 pip wheel --no-cache-dir --no-build-isolation --no-deps \
      --wheel-dir /wheels . \
 && pip wheel --no-cache-dir --wheel-dir /wheels /wheels/supportkpi-*.whl

FROM python:3.11.11-slim-bookworm
RUN useradd --create-home --uid 10001 supportkpi
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY deploy/sla/policy.yaml /etc/supportkpi/sla-policy.yaml
USER supportkpi
WORKDIR /home/supportkpi
# the image runs the compiled core or does not start (streams/domain/__init__.py)
ENV SUPPORTKPI_CORE=compiled \
    SUPPORTKPI_WEB_HOST=0.0.0.0 \
    SUPPORTKPI_SLA_POLICY=/etc/supportkpi/sla-policy.yaml \
    SUPPORTKPI_DATA_DIR=/home/supportkpi/data \
    PYTHONUNBUFFERED=1
EXPOSE 6066
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:6066/health', timeout=2)" || exit 1
ENTRYPOINT ["supportkpi"]
CMD ["worker"]
