#!/usr/bin/env bash
# The whole suite: compile, lint, import-cycle check, then unit, integration and e2e tests.
# Integration and e2e tests use NATS_URL / S3_ENDPOINT when set and otherwise start their own
# servers on random ports (nats-server from Debian's package, s3rver from npm); PostgreSQL,
# MariaDB and Mosquitto are started by scripts/services.sh where they are installed but not
# running, and their URLs exported (PG_URL, MYSQL_URL, MQTT_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== build"; npm run --silent build
echo "== lint"; npx eslint .
echo "== import cycles and layering"; npm run --silent cycles
echo "== services"; source scripts/services.sh
echo "== tests"
exec node --test --test-concurrency=1 dist/tests/unit dist/tests/integration dist/tests/e2e
