#!/usr/bin/env bash
# Installs the third-party AMQP and MQTT clients the interop tests drive (tests/Tidings.Amqp.Tests/Interop,
# tests/interop/mqtt) and the browser the dashboard test drives (tests/browser),
# only where they are missing, so running it again is cheap and changes nothing:
#   Debian: python3-pika, python3-celery (with kombu and py-amqp), amqp-tools, nodejs, npm, chromium,
#           python3-paho-mqtt, mosquitto-clients, mosquitto (the broker, for benchmarks and for
#           checking the MQTT scenario scripts themselves; never left running, see below),
#           python3-boto3 and awscli (the SQS clients of tests/interop/sqs; /usr/bin/aws, not a
#           pyenv or pip `aws` that may come first on PATH)
#   npm:    amqplib, mqtt (mqtt.js), @aws-sdk/client-sqs, @aws-sdk/client-sns and sqs-consumer, from
#           tests/interop/node/package-lock.json;
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
/usr/bin/python3 -c 'import paho.mqtt.client' 2>/dev/null || missing+=(python3-paho-mqtt)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
[ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
/usr/bin/python3 -c 'import boto3' 2>/dev/null || missing+=(python3-boto3)
[ -x /usr/bin/aws ] || missing+=(awscli)
# The logging-queue Python client's test pip-installs clients/python into a fresh venv (tests/Tidings.LogQueue.Tests).
/usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
/usr/bin/python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
/usr/bin/python3 -c 'import setuptools' 2>/dev/null || missing+=(python3-setuptools)

# Debian's mosquitto package starts a broker on port 1883 as soon as it is installed, which would
# collide with tests that listen on 1883 (and leave a stray broker on CI machines). While apt runs, a
# policy-rc.d that exits 101 tells invoke-rc.d / deb-systemd-invoke not to start any service; one
# that already exists (Docker images ship one) is left alone. Afterwards the unit is also stopped and
# disabled where systemd runs, so a reboot does not start it either. Tests and benchmarks start
# their own mosquitto on a spare port (`mosquitto -c FILE -p PORT`) when they need one.
policy_rc=/usr/sbin/policy-rc.d
own_policy_rc=0
remove_own_policy_rc() {
    if [ "$own_policy_rc" -eq 1 ]; then "${sudo_if_needed[@]}" rm -f "$policy_rc"; fi
}
trap remove_own_policy_rc EXIT

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-tools: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ ! -e "$policy_rc" ]; then
        printf '#!/bin/sh\n# written by tests/interop/install-tools.sh while apt runs\nexit 101\n' \
            | "${sudo_if_needed[@]}" tee "$policy_rc" >/dev/null
        "${sudo_if_needed[@]}" chmod 755 "$policy_rc"
        own_policy_rc=1
    fi
    "${sudo_if_needed[@]}" apt-get update
    "${sudo_if_needed[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
    remove_own_policy_rc
    own_policy_rc=0
fi

if [ -x /usr/sbin/mosquitto ] && [ -d /run/systemd/system ]; then
    if systemctl is-enabled --quiet mosquitto 2>/dev/null || systemctl is-active --quiet mosquitto 2>/dev/null; then
        echo "install-tools: stopping and disabling the mosquitto service (tests start their own)"
        "${sudo_if_needed[@]}" systemctl disable --now mosquitto
    fi
elif [ -x /usr/sbin/mosquitto ] && [ -x /etc/init.d/mosquitto ] && command -v update-rc.d >/dev/null 2>&1; then
    # No systemd (a container, sysvinit): keep the init script from starting it at boot.
    "${sudo_if_needed[@]}" update-rc.d mosquitto disable >/dev/null 2>&1 || true
fi

cd "$here/node"
if [ ! -f node_modules/amqplib/package.json ] || [ ! -f node_modules/mqtt/package.json ] \
    || [ ! -f node_modules/@aws-sdk/client-sqs/package.json ] || [ ! -f node_modules/@aws-sdk/client-sns/package.json ] \
    || [ ! -f node_modules/sqs-consumer/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
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
