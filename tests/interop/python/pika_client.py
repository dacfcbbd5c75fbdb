"""Drives Tidings with pika's BlockingConnection; run by tests/Tidings.Amqp.Tests/Interop/PikaTests.cs.

Usage: /usr/bin/python3 pika_client.py SCENARIO PORT

Each scenario prints one JSON object on stdout and exits 0; the C# test asserts on it. Bodies are
made by body(prefix, i), which the test recomputes, so "intact" is checked independently of pika.
Any exception ends the script with a traceback and a non-zero exit code.
"""
import base64
import json
import sys
import threading
import time

import pika
import pika.exceptions


def body(prefix, i):
    """Message i of a stream: text, every byte value at once for i == 7, a multi-frame body for i == 13."""
    if i == 7:
        return bytes(range(256))
    if i == 13:
        return (f"{prefix}-{i}:".encode() + bytes(range(256)) * 1200)  # ~300 KB, spans many frames
    return f"{prefix}-{i}:{'é' * (i % 5)}".encode()


def b64(data):
    return base64.b64encode(data).decode("ascii")


def connect(port):
    params = pika.ConnectionParameters(
        host="127.0.0.1", port=port, credentials=pika.PlainCredentials("guest", "guest"),
        heartbeat=0, blocked_connection_timeout=30, socket_timeout=10, connection_attempts=1)
    return pika.BlockingConnection(params)


def publish_consume_get(port):
    """Publishes 30 messages with properties, consumes them with acks, then 5 more via basic.get."""
    connection = connect(port)
    channel = connection.channel()
    channel.queue_declare("pika.work", durable=True)
    channel.queue_purge("pika.work")
    count = 30
    for i in range(count):
        props = pika.BasicProperties(
            content_type="application/octet-stream", delivery_mode=2, message_id=f"id-{i}",
            correlation_id=f"corr-{i}", headers={"index": i, "tag": "pika"}, priority=i % 10)
        channel.basic_publish("", "pika.work", body("consume", i), props)

    consumed = []
    def on_message(ch, method, properties, payload):
        consumed.append({
            "body": b64(payload),
            "message_id": properties.message_id,
            "correlation_id": properties.correlation_id,
            "content_type": properties.content_type,
            "delivery_mode": properties.delivery_mode,
            "headers": properties.headers,
            "redelivered": method.redelivered,
        })
        ch.basic_ack(method.delivery_tag)
        if len(consumed) == count:
            ch.stop_consuming()
    channel.basic_qos(prefetch_count=10)
    tag = channel.basic_consume("pika.work", on_message)
    # A broker that loses a message would leave start_consuming waiting: bound it.
    connection.call_later(30, channel.stop_consuming)
    channel.start_consuming()
    channel.basic_cancel(tag)

    for i in range(5):
        channel.basic_publish("", "pika.work", body("get", i))
    got = []
    message_counts = []
    for _ in range(5):
        method, _props, payload = channel.basic_get("pika.work", auto_ack=False)
        if method is None:
            break
        message_counts.append(method.message_count)
        channel.basic_ack(method.delivery_tag)
        got.append(b64(payload))
    empty = channel.basic_get("pika.work")[0] is None
    remaining = channel.queue_declare("pika.work", passive=True).method.message_count
    connection.close()
    return {"consumed": consumed, "got": got, "get_message_counts": message_counts,
            "get_empty": empty, "remaining": remaining}


def confirms_and_returns(port):
    """Publisher confirms: every publish is confirmed; a mandatory unroutable one raises UnroutableError."""
    connection = connect(port)
    channel = connection.channel()
    channel.confirm_delivery()
    channel.queue_declare("pika.confirm", exclusive=False, auto_delete=False)
    channel.queue_purge("pika.confirm")
    confirmed = 0
    for i in range(50):
        # In confirm mode basic_publish blocks until the broker's ack and raises on nack/return.
        channel.basic_publish("", "pika.confirm", body("confirm", i), mandatory=True)
        confirmed += 1

    unroutable = None
    try:
        channel.basic_publish("", "pika.no-such-queue", b"lost", mandatory=True,
                              properties=pika.BasicProperties(message_id="lost-1"))
    except pika.exceptions.UnroutableError as e:
        returned = e.messages[0]
        unroutable = {"reply_code": returned.method.reply_code, "reply_text": returned.method.reply_text,
                      "routing_key": returned.method.routing_key, "body": b64(returned.body),
                      "message_id": returned.properties.message_id}
    # Not mandatory: silently dropped by the broker, still confirmed.
    channel.basic_publish("", "pika.no-such-queue", b"dropped")
    # The channel stays open after a return.
    channel.basic_publish("", "pika.confirm", body("confirm", 50), mandatory=True)
    confirmed += 1

    drained = []
    for _ in range(100):
        method, _props, payload = channel.basic_get("pika.confirm", auto_ack=True)
        if method is None:
            break
        drained.append(b64(payload))
    channel_open = channel.is_open
    connection.close()
    return {"confirmed": confirmed, "unroutable": unroutable, "drained": drained, "channel_open": channel_open}


def prefetch_workers(port):
    """One connection and thread per queue, each consuming with prefetch 1 and manual acks."""
    queues = [f"pika.worker.{n}" for n in range(4)]
    per_queue = 25

    publisher = connect(port)
    channel = publisher.channel()
    channel.confirm_delivery()
    for q in queues:
        channel.queue_declare(q)
        channel.queue_purge(q)

    results = {}
    errors = []
    ready = threading.Barrier(len(queues) + 1, timeout=30)

    def worker(q):
        try:
            connection = connect(port)
            ch = connection.channel()
            ch.basic_qos(prefetch_count=1)
            received = []
            # Messages pika had already buffered beyond the one being handled: 0 if prefetch 1 holds.
            max_waiting = 0
            ready.wait()
            deadline = time.monotonic() + 30
            for method, _props, payload in ch.consume(q, inactivity_timeout=1):
                if method is None:
                    if time.monotonic() > deadline:
                        break
                    continue
                received.append(b64(payload))
                # Give the broker time to (wrongly) push more before this one is acked.
                connection.process_data_events(time_limit=0.02)
                max_waiting = max(max_waiting, ch.get_waiting_message_count())
                ch.basic_ack(method.delivery_tag)
                if len(received) == per_queue:
                    break
            ch.cancel()
            connection.close()
            results[q] = {"received": received, "max_waiting": max_waiting}
        except Exception as e:  # reported to the test, not lost in a thread
            errors.append(f"{q}: {e!r}")

    threads = [threading.Thread(target=worker, args=(q,), daemon=True) for q in queues]
    for t in threads:
        t.start()
    ready.wait()
    # Interleave the queues so every worker is busy at once.
    for i in range(per_queue):
        for q in queues:
            channel.basic_publish("", q, body(q, i))
    for t in threads:
        t.join(timeout=45)
    alive = [t.name for t in threads if t.is_alive()]
    publisher.close()
    return {"queues": queues, "per_queue": per_queue, "results": results, "errors": errors, "hung_threads": alive}


def channel_error(port):
    """A passive declare of a missing queue closes that channel with 404; the connection carries on."""
    connection = connect(port)
    broken = connection.channel()
    error = None
    try:
        broken.queue_declare("pika.missing", passive=True)
    except pika.exceptions.ChannelClosedByBroker as e:
        error = {"reply_code": e.reply_code, "reply_text": e.reply_text}
    after = {"channel_closed": broken.is_closed, "connection_open": connection.is_open}

    channel = connection.channel()
    channel.queue_declare("pika.after-error", exclusive=True)
    for i in range(3):
        channel.basic_publish("", "pika.after-error", body("after", i))
    got = []
    for _ in range(3):
        method, _props, payload = channel.basic_get("pika.after-error", auto_ack=True)
        if method is not None:
            got.append(b64(payload))
    # A second error on another channel is independent too.
    second = None
    try:
        connection.channel().exchange_declare("pika.missing-exchange", passive=True)
    except pika.exceptions.ChannelClosedByBroker as e:
        second = {"reply_code": e.reply_code, "reply_text": e.reply_text}
    still_open = channel.is_open and connection.is_open
    connection.close()
    return {"error": error, "after": after, "got": got, "second_error": second, "still_open": still_open}


def long_dead_letter_routing_key(port):
    """Issue 10's crash: a 256-byte x-dead-letter-routing-key is refused at declare (406); a
    255-byte one dead-letters an expired message to a consumer with that key; the broker lives."""
    connection = connect(port)
    channel = connection.channel()
    channel.queue_declare("pika.dlx.dst")
    channel.queue_bind("pika.dlx.dst", "amq.topic", "#")
    refused = None
    try:
        channel.queue_declare("pika.dlx.src", arguments={"x-dead-letter-exchange": "amq.topic",
                              "x-dead-letter-routing-key": "k" * 256, "x-message-ttl": 100})
    except pika.exceptions.ChannelClosedByBroker as e:
        refused = {"reply_code": e.reply_code, "reply_text": e.reply_text}
    channel = connection.channel()
    channel.queue_declare("pika.dlx.src", arguments={"x-dead-letter-exchange": "amq.topic",
                          "x-dead-letter-routing-key": "k" * 255, "x-message-ttl": 100})
    received = []
    channel.basic_consume("pika.dlx.dst", lambda ch, method, props, payload:
                          received.append({"routing_key": method.routing_key, "body": b64(payload)}), auto_ack=True)
    channel.basic_publish("", "pika.dlx.src", b"x")
    deadline = time.time() + 5
    while not received and time.time() < deadline:
        connection.process_data_events(time_limit=0.2)
    # A second connection proves the broker process is still there.
    other = connect(port)
    other_open = other.is_open
    other.close()
    connection.close()
    return {"refused": refused, "received": received, "other_connection_open": other_open}


def bind_default_exchange(port):
    """Binding a missing queue to the default exchange is refused with 403 before the missing queue
    is noticed, as RabbitMQ does (pika's own suite tests it); the connection carries on."""
    connection = connect(port)
    error = None
    try:
        connection.channel().queue_bind("pika.no-such-queue", "", routing_key="k")
    except pika.exceptions.ChannelClosedByBroker as e:
        error = {"reply_code": e.reply_code, "reply_text": e.reply_text}
    still_open = connection.is_open
    connection.close()
    return {"error": error, "still_open": still_open}


SCENARIOS = {
    "bind_default_exchange": bind_default_exchange,
    "publish_consume_get": publish_consume_get,
    "confirms_and_returns": confirms_and_returns,
    "prefetch_workers": prefetch_workers,
    "channel_error": channel_error,
    "long_dead_letter_routing_key": long_dead_letter_routing_key,
}

if __name__ == "__main__":
    scenario, port = sys.argv[1], int(sys.argv[2])
    print(json.dumps(SCENARIOS[scenario](port)))
