#!/usr/bin/env bash
# Runs every test of Tidings. Installs what the interop tests need first (Debian packages and
# npm packages for the third-party clients), so it passes on a fresh machine with the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")"

tests/interop/install-tools.sh

# --blame-hang-timeout turns a hung test into a failure with a dump instead of a stuck CI run.
dotnet test Tidings.slnx --nologo --blame-hang-timeout 5m "$@"
