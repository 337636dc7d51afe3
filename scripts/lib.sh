# Shared steps of scripts/start and scripts/test (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${AMREVIEW_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Debian packages, installed only when missing. Root (or sudo) is needed the first time.
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The virtual environment with amreview installed in editable mode (extras: "test" or "").
python_env() {
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating the virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  log "installing amreview${extras:+ [$extras]}"
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  "$VENV/bin/python" -m pip install -q -e "$ROOT${extras:+[$extras]}" 2>&1 | grep -v '^WARNING: Location' || true
  "$VENV/bin/python" -c "import api, ingest" # fail here, not later, if the install did not work
}

# A Redis on 127.0.0.1:PORT for tests (daemonized, no persistence), started unless ours already answers
# there; prints its URL. Fails if it does not answer, so a run never goes on without it.
redis_up() {
  local port="$1" dir="${TMPDIR:-/tmp}/amreview-redis-$1"
  mkdir -p "$dir"
  if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 1 100); do
      redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
  redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 || { echo "Redis did not start on port $port" >&2; return 1; }
  echo "redis://127.0.0.1:$port/0"
}
