#!/usr/bin/env bash
# Installs what Rebound's tests need on a fresh Debian/Ubuntu machine with Python 3.11+.
# Idempotent: re-running it only checks that everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" -m pip install --quiet --disable-pip-version-check -e '.[test]'
echo "setup-dev: Python packages ready ($("$PYTHON" --version))"

# The Kafka integration tests run a real broker from Maven Central jars (no Docker needed):
# fetch them now; the test fixture starts and stops the broker itself.
if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then
    bash deploy/kafka/local-kafka.sh fetch
    echo "setup-dev: Kafka broker jars ready"
else
    echo "setup-dev: java or mvn missing: Kafka integration tests will be skipped unless" \
        "KAFKA_BOOTSTRAP_SERVERS is set or Docker runs"
fi
