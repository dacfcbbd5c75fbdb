"""Calls tasks on a running worker through Tidings; run by CeleryTests.cs.

Usage: TIDINGS_AMQP_PORT=PORT /usr/bin/python3 celery_client.py
Prints one JSON object on stdout. Every wait is bounded by get(timeout=...).
"""
import json

from celery import group

from tasks import add, app, echo


def main():
    single = add.delay(2, 3).get(timeout=30)
    in_order = [add.delay(i, 100).get(timeout=30) for i in range(5)]
    text = "grüße, 世界 ✓"
    echoed = echo.delay(text).get(timeout=30)
    grouped = group(add.s(i, i) for i in range(10))().get(timeout=30)
    app.close()
    print(json.dumps({"single": single, "in_order": in_order, "echoed": echoed, "text": text, "group": grouped}))


if __name__ == "__main__":
    main()
