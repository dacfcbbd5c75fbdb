#!/usr/bin/env bash
# Soak: the kill -9 torture test with many more cycles than CI runs (default 1000).
# Usage: bench/soak-kill9.sh [cycles]
set -euo pipefail
cd "$(dirname "$0")/.."
TIDINGS_TORTURE_CYCLES="${1:-1000}" dotnet test tests/Tidings.Server.Tests --nologo \
  --filter "FullyQualifiedName~KillNineTortureTests" --blame-hang-timeout 60m
