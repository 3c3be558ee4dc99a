#!/usr/bin/env bash
# Make sure what the test suite talks to is installed and running: Debian's Chromium (for
# Playwright), a PostgreSQL server on 127.0.0.1:5432 that trusts local connections, and Redis on
# 127.0.0.1:6379. Machines that already have them (CI does) pay only for the checks.
set -euo pipefail

sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
apt_updated=""
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "Please install: $* (this script knows only Debian's apt)." >&2
    exit 1
  fi
  if [ -z "$apt_updated" ]; then $sudo_cmd apt-get update -qq; apt_updated=1; fi
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Chromium, and CJK fonts so that Traditional Chinese renders in screenshots.
command -v chromium >/dev/null || apt_install chromium fonts-noto-cjk

# PostgreSQL
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  # Tests connect as postgres over loopback without a password, as on the CI machines.
  if ! grep -q "agora-test-trust" "$hba"; then
    $sudo_cmd sed -i '1i host all all 127.0.0.1/32 trust # agora-test-trust\nhost all all ::1/128 trust # agora-test-trust\nlocal all all trust # agora-test-trust' "$hba"
  fi
  $sudo_cmd pg_ctlcluster --skip-systemctl-redirect "$version" main start || $sudo_cmd pg_ctlcluster "$version" main restart
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432
fi

# Redis
if ! (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1); then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /tmp/agora-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/agora-redis --logfile /tmp/agora-redis/redis.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h 127.0.0.1 -p 6379 ping
fi
