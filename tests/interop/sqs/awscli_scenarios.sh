#!/usr/bin/env bash
# Drives an SQS endpoint with the AWS CLI (Debian's awscli 2.9, /usr/bin/aws; its SQS model speaks the
# Query protocol) for the SQS API's interop tests.
#
# Usage: tests/interop/sqs/awscli_scenarios.sh ENDPOINT_URL [SCENARIO]
#   ENDPOINT_URL: e.g. http://127.0.0.1:9324 (access key "test", secret "test", region us-east-1)
#   SCENARIO:     lifecycle (the default and only one): create-queue, get-queue-url, list-queues,
#                 get-queue-attributes, send-message (with a message attribute), receive-message,
#                 delete-message, delete-queue, each answer checked
#
# Prints one JSON line, {"ok": true, "client": "awscli", ...} and exits 0, or
# {"ok": false, "client": "awscli", "scenario": ..., "error": "<step>: <reason>"} and exits 1
# (2 for bad arguments). Each aws call is bounded (timeout 20 s, no retries); the queue name carries a
# random suffix and the queue is deleted at the end whatever happened. JSON is parsed with python3.
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || { [ $# -eq 2 ] && [ "$2" != lifecycle ]; }; then
    echo "usage: $0 ENDPOINT_URL [lifecycle]" >&2
    exit 2
fi
endpoint="$1"
scenario="${2:-lifecycle}"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SQS

aws_bin=/usr/bin/aws
[ -x "$aws_bin" ] || aws_bin="$(command -v aws || true)"
python=/usr/bin/python3
[ -x "$python" ] || python=python3

json_escape() { "$python" -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

fail() {
    echo "{\"ok\": false, \"client\": \"awscli\", \"scenario\": \"$scenario\", \"error\": $(json_escape "$1")}"
    exit 1
}

if [ -z "$aws_bin" ]; then fail "no aws command (tests/interop/install-tools.sh installs Debian's awscli)"; fi

out=""
# Runs one aws sqs command; its JSON answer goes to $out, a failure ends the scenario.
sqs() {
    local step="$1"; shift
    local err
    err="$(mktemp)"
    if ! out="$(timeout 20 "$aws_bin" --endpoint-url "$endpoint" --output json --cli-read-timeout 15 \
            --cli-connect-timeout 5 sqs "$@" 2>"$err")"; then
        local msg
        msg="$(tr '\n' ' ' <"$err" | cut -c1-600)"
        rm -f "$err"
        fail "$step: aws sqs $1 failed: $msg"
    fi
    rm -f "$err"
}

# Evaluates a python expression over the last answer (as `r`); prints its value.
py() {
    "$python" -c 'import json,sys; r=json.loads(sys.argv[1]) if sys.argv[1].strip() else {}; v=eval(sys.argv[2]); print(v if isinstance(v,str) else json.dumps(v))' "$out" "$1"
}

# Fails unless a python condition over the last answer holds.
expect() {
    local step="$1" condition="$2"
    local verdict
    verdict="$("$python" -c 'import json,sys; r=json.loads(sys.argv[1]) if sys.argv[1].strip() else {}; print("yes" if eval(sys.argv[2]) else "no")' "$out" "$condition" 2>&1)"
    [ "$verdict" = yes ] || fail "$step: expected $condition, answer was: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-600)"
}

name="tidings-interop-awscli-$(head -c 5 /dev/urandom | od -An -tx1 | tr -d ' \n')"
queue_url=""
cleanup() {
    if [ -n "$queue_url" ]; then
        timeout 20 "$aws_bin" --endpoint-url "$endpoint" sqs delete-queue --queue-url "$queue_url" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

sqs create-queue create-queue --queue-name "$name" --attributes VisibilityTimeout=45
expect create-queue "r['QueueUrl'].rstrip('/').endswith('/$name')"
queue_url="$(py "r['QueueUrl']")"

sqs get-queue-url get-queue-url --queue-name "$name"
expect get-queue-url "r['QueueUrl'] == '$queue_url'"

sqs list-queues list-queues --queue-name-prefix "$name"
expect list-queues "'$queue_url' in r.get('QueueUrls', [])"

sqs get-queue-attributes get-queue-attributes --queue-url "$queue_url" --attribute-names All
expect get-queue-attributes "r['Attributes']['VisibilityTimeout'] == '45'"
expect get-queue-attributes "r['Attributes']['QueueArn'].endswith(':$name')"
expect get-queue-attributes "r['Attributes']['ApproximateNumberOfMessages'] == '0'"

body='hello from the aws cli: {"json": true} and more'
sqs send-message send-message --queue-url "$queue_url" --message-body "$body" \
    --message-attributes '{"color":{"DataType":"String","StringValue":"blue"},"size":{"DataType":"Number","StringValue":"7"}}'
body_md5="$(printf '%s' "$body" | md5sum | cut -d' ' -f1)"
expect send-message "len(r['MessageId']) > 0 and r['MD5OfMessageBody'] == '$body_md5'"
expect send-message "'MD5OfMessageAttributes' in r"
message_id="$(py "r['MessageId']")"

sqs get-queue-attributes get-queue-attributes --queue-url "$queue_url" --attribute-names ApproximateNumberOfMessages
expect get-queue-attributes "r['Attributes']['ApproximateNumberOfMessages'] == '1'"

sqs receive-message receive-message --queue-url "$queue_url" --max-number-of-messages 10 --wait-time-seconds 5 \
    --message-attribute-names All --attribute-names All
expect receive-message "len(r.get('Messages', [])) == 1"
expect receive-message "r['Messages'][0]['MessageId'] == '$message_id'"
expect receive-message "r['Messages'][0]['Body'] == '''$body'''"
expect receive-message "r['Messages'][0]['MessageAttributes'] == {'color': {'DataType': 'String', 'StringValue': 'blue'}, 'size': {'DataType': 'Number', 'StringValue': '7'}}"
expect receive-message "r['Messages'][0]['Attributes']['ApproximateReceiveCount'] == '1'"
expect receive-message "r['Messages'][0]['MD5OfBody'] == '$body_md5'"
receipt="$(py "r['Messages'][0]['ReceiptHandle']")"

sqs delete-message delete-message --queue-url "$queue_url" --receipt-handle "$receipt"

sqs receive-message receive-message --queue-url "$queue_url" --max-number-of-messages 10 --wait-time-seconds 1 \
    --visibility-timeout 0
expect "receive-message after delete" "len(r.get('Messages', [])) == 0"

sqs delete-queue delete-queue --queue-url "$queue_url"
deleted_url="$queue_url"
queue_url=""
sqs list-queues list-queues --queue-name-prefix "$name"
expect "list-queues after delete-queue" "'$deleted_url' not in r.get('QueueUrls', [])"

version="$("$aws_bin" --version 2>&1 | cut -d' ' -f1)"
echo "{\"ok\": true, \"client\": \"awscli\", \"scenario\": \"$scenario\", \"aws\": $(json_escape "$version"), \"steps\": [\"create-queue\", \"get-queue-url\", \"list-queues\", \"get-queue-attributes\", \"send-message\", \"receive-message\", \"delete-message\", \"delete-queue\"]}"
exit 0
