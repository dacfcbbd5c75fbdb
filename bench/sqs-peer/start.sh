#!/usr/bin/env bash
# Starts the SQS emulator local-aws-sqs (npm, pinned by bench/sqs-peer/package-lock.json) on
# 127.0.0.1:PORT in the foreground, for the SQS benchmark (bench/sqs-compare.sh) and for checking the
# scripts in tests/interop/sqs and tests/interop/node against a known SQS before Tidings serves it.
# Usage: bench/sqs-peer/start.sh PORT     (installs its node_modules with `npm ci` first if missing)
# Prints "sqs-peer: listening on http://127.0.0.1:PORT" once it accepts requests; stops on SIGINT/SIGTERM.
# Queue URLs are http://127.0.0.1:PORT/123456789012/NAME. AWS's 60 s wait before a deleted queue's name
# can be used again is switched off (scripts create and delete queues freely).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -ne 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 PORT" >&2
    exit 2
fi
cd "$here"
if [ ! -f node_modules/local-aws-sqs/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund >&2
fi
exec node --input-type=module -e '
import { createSqsServer } from "local-aws-sqs";
const port = Number(process.argv[1]);
const server = await createSqsServer({
  port, hostname: "127.0.0.1", region: "us-east-1",
  emulateQueueCreationLifecycle: false, emulateLazyQueues: false,
});
console.log(`sqs-peer: listening on http://127.0.0.1:${port}`);
const stop = () => { try { server.close(); } catch {} process.exit(0); };
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
' "$1"
