#!/usr/bin/env bash
# Installs and starts what the full test suite needs from Debian's packages, when missing:
# PostgreSQL (started, trust auth on 127.0.0.1), Chromium (browser tests), ffmpeg (media probing).
# Prints the PostgreSQL URL to use on its last line. Needs root (or sudo) only to install.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    echo "installing Debian packages: $*" >&2
    $SUDO apt-get update -qq >/tmp/clairon-apt.log 2>&1
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" \
    >>/tmp/clairon-apt.log 2>&1 || { tail -n 30 /tmp/clairon-apt.log >&2; exit 1; }
}

command -v chromium >/dev/null 2>&1 || apt_install chromium fonts-dejavu-core
command -v ffprobe >/dev/null 2>&1 || apt_install ffmpeg

pg_up() { pg_isready -q -h 127.0.0.1 -p "${1:-5432}" 2>/dev/null; }
if ! command -v pg_isready >/dev/null 2>&1; then
  apt_install postgresql postgresql-client
fi
PG_PORT=5432
if ! pg_up 5432; then
  # A cluster installed by Debian's package: start it.
  if ls /etc/postgresql/*/main >/dev/null 2>&1; then
    ver=$(ls /etc/postgresql | sort -V | tail -n1)
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || true
  fi
fi
if ! pg_up 5432; then
  # Last resort: a private throw-away cluster with trust auth on port 5433.
  PG_PORT=5433
  if ! pg_up 5433; then
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
    dir=/tmp/clairon-pg
    $SUDO rm -rf "$dir" && $SUDO mkdir -p "$dir" && $SUDO chown postgres "$dir" 2>/dev/null || mkdir -p "$dir"
    run_pg() { if [ "$(id -u)" = "0" ]; then su postgres -c "$*"; else "$@"; fi; }
    run_pg "$bindir/initdb -D $dir/data -A trust -U postgres" >&2
    run_pg "$bindir/pg_ctl -D $dir/data -o '-p 5433 -k /tmp -c listen_addresses=127.0.0.1' -l $dir/log -w start" >&2
  fi
fi
for _ in $(seq 1 30); do pg_up "$PG_PORT" && break; sleep 1; done
pg_up "$PG_PORT" || { echo "PostgreSQL did not start" >&2; exit 1; }
echo "postgresql://postgres@127.0.0.1:${PG_PORT}/postgres"
