#!/usr/bin/env bash
# Installs the third-party AMQP clients the interop tests drive (tests/Tidings.Amqp.Tests/Interop)
# and the browser the dashboard test drives (tests/browser),
# only where they are missing, so running it again is cheap and changes nothing:
#   Debian: python3-pika, python3-celery (with kombu and py-amqp), amqp-tools, nodejs, npm, chromium
#   npm:    amqplib, from tests/interop/node/package-lock.json;
#           playwright-core, from tests/browser/package-lock.json (it drives Debian's Chromium and
#           never downloads a browser of its own)
# The Python clients are Debian's, so the tests run them with /usr/bin/python3, not whatever
# python3 comes first on PATH (a pyenv build does not see Debian's packages).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

sudo_if_needed=()
if [ "$(id -u)" -ne 0 ]; then sudo_if_needed=(sudo); fi

missing=()
/usr/bin/python3 -c 'import pika' 2>/dev/null || missing+=(python3-pika)
/usr/bin/python3 -c 'import celery, kombu, amqp' 2>/dev/null || missing+=(python3-celery)
command -v amqp-publish >/dev/null 2>&1 || missing+=(amqp-tools)
# A node from elsewhere (e.g. NodeSource) ships its own npm; Debian's npm package would fight it,
# so each is installed only when its command is absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-tools: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_if_needed[@]}" apt-get update
    "${sudo_if_needed[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

cd "$here/node"
if [ ! -f node_modules/amqplib/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "install-tools: installing npm packages in tests/interop/node"
    if [ -f package-lock.json ]; then
        npm ci --no-audit --no-fund
    else
        npm install --no-audit --no-fund
    fi
fi

cd "$here/../browser"
if [ ! -f node_modules/playwright-core/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "install-tools: installing npm packages in tests/browser"
    npm ci --no-audit --no-fund
fi
