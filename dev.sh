#!/usr/bin/env bash
# One entry point for a fresh machine: builds the pinned environment on first use
# (and again only when requirements.lock or pyproject.toml change), then either runs
# the pipeline on the bundled demo images or runs the checks and tests.
#
#   ./dev.sh demo [kedro run options...]   e.g. ./dev.sh demo --pipeline data_validation
#   ./dev.sh test [pytest options...]       then the Airflow check (airflow/check.sh)
#
# `test` also installs Debian's chromium for the kedro-viz browser test where it can.
set -euo pipefail
cd "$(dirname "$0")"

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
# No telemetry, ever: the project file .telemetry says the same to kedro-telemetry.
export DO_NOT_TRACK=1 KEDRO_DISABLE_TELEMETRY=1 MLFLOW_DISABLE_TELEMETRY=true
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

ensure_environment() {
  local stamp
  stamp="$VENV/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || {
    echo "dev.sh: Python 3.11 is required (found $("$PYTHON" --version 2>&1)); set PYTHON=..." >&2
    exit 1
  }
  echo "dev.sh: installing the pinned environment into $VENV (first run only)" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --requirement requirements.lock
  "$VENV/bin/python" -m pip install --quiet --no-deps --editable .
  rm -f "$VENV"/.installed-*
  touch "$stamp"
}

# Airflow's pins clash with requirements.lock: the Airflow check has its own environment.
ensure_airflow_environment() {
  local venv=.venv-airflow stamp
  stamp="$venv/.installed-$(cat airflow/requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  echo "dev.sh: installing the Airflow check's environment into $venv (first run only)" >&2
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --requirement airflow/requirements.lock
  "$venv/bin/python" -m pip install --quiet --no-deps --editable .
  rm -f "$venv"/.installed-*
  touch "$stamp"
}

# The browser test drives Debian's chromium. Installed when missing and apt is usable
# (root, or sudo without a password); elsewhere the test skips and says why.
ensure_chromium() {
  command -v chromium >/dev/null && return 0
  local apt=(apt-get)
  [ "$(id -u)" = 0 ] || { sudo -n true 2>/dev/null && apt=(sudo -n apt-get); } || return 0
  command -v apt-get >/dev/null || return 0
  echo "dev.sh: installing Debian's chromium for the browser test (first run only)" >&2
  "${apt[@]}" install -y -q chromium >/dev/null ||
    { "${apt[@]}" update -q >/dev/null && "${apt[@]}" install -y -q chromium >/dev/null; } ||
    echo "dev.sh: could not install chromium; the browser test will skip" >&2
}

case "${1:-}" in
  demo)
    shift
    ensure_environment
    exec "$VENV/bin/kedro" run "$@"
    ;;
  test)
    shift
    ensure_environment
    ensure_chromium
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    # Two workers (pytest-xdist) on the two cores the suite is sized for, handed whole
    # modules (tests/conftest.py). TEST_WORKERS=0 runs it in this process.
    "$VENV/bin/pytest" -n "${TEST_WORKERS:-2}" "$@"
    ensure_airflow_environment
    exec airflow/check.sh .venv-airflow
    ;;
  *)
    echo "usage: ./dev.sh demo [kedro run options] | ./dev.sh test [pytest options]" >&2
    exit 2
    ;;
esac
