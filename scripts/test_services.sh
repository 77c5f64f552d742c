#!/usr/bin/env bash
# Make sure everything the test suite talks to is installed and running:
# Debian's chromium (Playwright drives it) and nginx (the cluster and proxy tests), the DejaVu fonts (PDF documents), bun (Reflex builds the frontend), axe-core,
# PostgreSQL, Redis.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
    echo "• installing chromium"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "• installing nginx"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >/dev/null
fi
bash "$(dirname "$0")/install_fonts.sh"
if ! command -v bun >/dev/null 2>&1; then
    echo "• installing bun"
    npm install -g bun >/dev/null 2>&1
fi

# axe-core (accessibility rules the browser tests run inside each page), from the npm registry.
AXE_PREFIX="$(cd "$(dirname "$0")/.." && pwd)/test-output/axe"
if [ ! -f "$AXE_PREFIX/node_modules/axe-core/axe.min.js" ]; then
    echo "• installing axe-core"
    npm install --prefix "$AXE_PREFIX" --no-save --no-audit --no-fund axe-core@4.14 >/dev/null 2>&1
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "• starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "• starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
redis-cli -h 127.0.0.1 -p 6379 ping
