#!/usr/bin/env bash
# Makes sure the servers the integration tests talk to are running, starting them where they are
# not (a fresh Debian machine with the packages installed, but nothing started), and exports the
# URLs the tests read. Sourced by scripts/test.sh. Servers it cannot find stay missing: with
# CI=true the tests that need them then fail (never skip).
#   PostgreSQL (postgresql)   → PG_URL     postgresql://postgres:postgres@127.0.0.1:5432/test
#   MariaDB/MySQL (mariadb-server) → MYSQL_URL mysql://...@127.0.0.1:3306/test
#   Mosquitto MQTT (mosquitto) → MQTT_URL  mqtt://127.0.0.1:1883
#   NATS and the S3 server are started per suite by the tests themselves.

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1; }
wait_port() { for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done; return 1; }
say() { echo "services: $*"; }

# --- PostgreSQL
if [ -z "${PG_URL:-}" ]; then
  export PG_URL="postgresql://postgres:postgres@127.0.0.1:5432/test"
  if ! port_open 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    say "starting PostgreSQL $ver"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start >/dev/null 2>&1 || pg_ctlcluster "$ver" main start || true
    wait_port 5432 || say "PostgreSQL did not come up on 5432"
  fi
  if port_open 5432 && command -v psql >/dev/null 2>&1 && ! PGPASSWORD=postgres PGCONNECT_TIMEOUT=5 psql "$PG_URL" -tAc 'select 1' >/dev/null 2>&1; then
    # Fresh cluster: password auth on TCP, no `test` database. Set both up (as the postgres OS user).
    say "preparing PostgreSQL: password for role postgres, database test"
    runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null 2>&1 || true
    runuser -u postgres -- createdb test >/dev/null 2>&1 || true
  fi
fi

# --- MariaDB / MySQL
if [ -z "${MYSQL_URL:-}" ]; then
  export MYSQL_URL="mysql://root@127.0.0.1:3306/test"
  if ! port_open 3306 && command -v mariadbd >/dev/null 2>&1; then
    say "starting MariaDB"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec "$(command -v mariadbd)" >/dev/null 2>&1 || true
    wait_port 3306 || say "MariaDB did not come up on 3306"
  fi
  if port_open 3306 && command -v mariadb >/dev/null 2>&1 && ! mariadb -h 127.0.0.1 -u root -e 'select 1' >/dev/null 2>&1; then
    # Fresh server: root logs in by unix socket only. Add a test user for TCP.
    say "preparing MariaDB: user quiver, database test"
    mariadb -e "CREATE DATABASE IF NOT EXISTS test; CREATE USER IF NOT EXISTS 'quiver'@'127.0.0.1' IDENTIFIED BY 'quiver'; CREATE USER IF NOT EXISTS 'quiver'@'localhost' IDENTIFIED BY 'quiver'; GRANT ALL ON test.* TO 'quiver'@'127.0.0.1'; GRANT ALL ON test.* TO 'quiver'@'localhost';" >/dev/null 2>&1 || true
    export MYSQL_URL="mysql://quiver:quiver@127.0.0.1:3306/test"
  fi
fi

# --- Mosquitto
if [ -z "${MQTT_URL:-}" ]; then
  export MQTT_URL="mqtt://127.0.0.1:1883"
  if ! port_open 1883 && command -v mosquitto >/dev/null 2>&1; then
    say "starting Mosquitto"
    if [ -f /etc/mosquitto/mosquitto.conf ]; then mosquitto -d -c /etc/mosquitto/mosquitto.conf || true; else mosquitto -d -p 1883 || true; fi
    wait_port 1883 || say "Mosquitto did not come up on 1883"
  fi
fi
