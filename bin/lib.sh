# Shared steps of bin/run and bin/test: a virtualenv with pinned packages,
# and PostgreSQL and Redis running locally. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hmis}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  is_root && command -v apt-get >/dev/null || return 1
  say "Installing with apt: $*"
  if [ -z "${HMIS_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    export HMIS_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

find_python() {
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

ensure_venv() {  # ensure_venv requirements-file
  local requirements="$1"
  if [ ! -x "$PY" ]; then
    local python
    python="$(find_python)" || { apt_install python3 python3-venv && python="$(find_python)"; } \
      || die "Python 3.11 or newer is needed. Install it (apt-get install python3 python3-venv) and run this again."
    say "Creating the virtualenv in .venv with $python"
    "$python" -m venv "$VENV" || { apt_install python3-venv && "$python" -m venv "$VENV"; }
  fi
  local stamp="$VENV/.installed-$(basename "$requirements")"
  if [ ! -f "$stamp" ] || [ "$requirements" -nt "$stamp" ] || [ "$ROOT/requirements.txt" -nt "$stamp" ]; then
    say "Installing $(basename "$requirements")"
    "$PY" -m pip install -q --upgrade pip >/dev/null
    "$PY" -m pip install -q -r "$requirements"
    touch "$stamp"
  fi
}

db_reachable() {
  "$PY" - <<'PY' 2>/dev/null
import os, sys
import psycopg
from urllib.parse import urlsplit, urlunsplit
url = urlsplit(os.environ["DATABASE_URL"])
admin = urlunsplit(url._replace(path="/postgres"))
try:
    psycopg.connect(admin, connect_timeout=3).close()
except Exception:
    sys.exit(1)
PY
}

start_postgres() {
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    local version
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    say "Starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || pg_ctlcluster "$version" main start 2>/dev/null || true
  fi
}

ensure_postgres() {
  db_reachable && return 0
  start_postgres
  for _ in $(seq 1 20); do db_reachable && return 0; sleep 0.5; done
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql || die "PostgreSQL is not installed. Install it (apt-get install postgresql), or set DATABASE_URL to a server you can use, then run this again."
    start_postgres
  fi
  for _ in $(seq 1 20); do db_reachable && return 0; sleep 0.5; done
  # A fresh Debian server allows no password-less TCP login: give the default
  # local role a development password and use it.
  if is_root && command -v su >/dev/null && [ "$DATABASE_URL" = "postgres://postgres@127.0.0.1:5432/hmis" ]; then
    say "Setting a development password for the local postgres role"
    su postgres -c "psql -qc \"ALTER ROLE postgres PASSWORD 'postgres'\"" >/dev/null
    export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/hmis"
    db_reachable && return 0
  fi
  die "Cannot reach PostgreSQL at DATABASE_URL ($DATABASE_URL). Start it, or set DATABASE_URL, and run this again."
}

ensure_database() {
  "$PY" - <<'PY'
import os
import psycopg
from psycopg import sql
from urllib.parse import urlsplit, urlunsplit
url = urlsplit(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
with psycopg.connect(urlunsplit(url._replace(path="/postgres")), autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}")
PY
}

redis_reachable() {
  "$PY" -c "import os, redis; redis.Redis.from_url(os.environ['CELERY_BROKER_URL'], socket_timeout=2).ping()" 2>/dev/null
}

ensure_redis() {
  redis_reachable && return 0
  if ! command -v redis-server >/dev/null; then
    apt_install redis-server || die "Redis is not installed. Install it (apt-get install redis-server), or set CELERY_BROKER_URL, then run this again."
  fi
  say "Starting Redis"
  mkdir -p "$ROOT/var"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$ROOT/var" --logfile "$ROOT/var/redis.log" >/dev/null
  for _ in $(seq 1 20); do redis_reachable && return 0; sleep 0.5; done
  die "Redis did not start; see var/redis.log."
}

ensure_chromium() {
  [ -x "${HMIS_CHROMIUM:-/usr/bin/chromium}" ] && return 0
  apt_install chromium fonts-dejavu-core || die "Chromium is needed for the browser tests: apt-get install chromium"
}
