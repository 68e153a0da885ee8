#!/usr/bin/env bash
# Installs what the demo and the tests need, idempotently: a virtualenv with the project and its
# test extras in .venv, and (on Debian/Ubuntu, as root or with sudo) Prometheus with promtool,
# Alertmanager and kcat.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
  rm -f .venv/.installed-* && touch "$stamp"
fi

if [ "${1:-}" = "--with-monitoring" ]; then
  missing=()
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
  command -v kcat >/dev/null || missing+=(kcat)  # the shell user's producer in the poison tests
  if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null; then
      sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
      echo "installing ${missing[*]} (Debian packages)"
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "warning: install Prometheus (with promtool) yourself; its tests will be skipped" >&2
    fi
  fi
fi
