#!/usr/bin/env bash
# Installs what Rebound's tests need on a fresh Debian/Ubuntu machine with Python 3.11+.
# Idempotent: re-running it only checks that everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" -m pip install --quiet --disable-pip-version-check -e '.[test]'
echo "setup-dev: Python packages ready ($("$PYTHON" --version))"
