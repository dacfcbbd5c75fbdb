"""Drives Tidings' stream queues with pika's BlockingConnection, as RabbitMQ's stream docs use pika.

Run by tests/Tidings.Amqp.Tests/Interop/Streams/PikaStreamTests.cs.
Usage: /usr/bin/python3 pika_stream_client.py SCENARIO PORT

Each scenario prints one JSON object on stdout and exits 0; the C# test asserts on it.
Any exception ends the script with a traceback and a non-zero exit code.
"""
import json
import sys
import time

import pika
import pika.exceptions

STREAM = {"x-queue-type": "stream"}


def connect(port):
    params = pika.ConnectionParameters(
        host="127.0.0.1", port=port, credentials=pika.PlainCredentials("guest", "guest"),
        heartbeat=0, blocked_connection_timeout=30, socket_timeout=10, connection_attempts=1)
    return pika.BlockingConnection(params)


def pump(connection, until, seconds=10):
    """Processes events until until() holds or the bound passes."""
    deadline = time.monotonic() + seconds
    while not until() and time.monotonic() < deadline:
        connection.process_data_events(time_limit=0.05)


def consume(connection, queue, offset, count, prefetch=10, ack=True, args_given=True):
    """Consumes with manual acks on a new channel until count deliveries came; returns [(offset, body)]."""
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    got = []

    def on_message(ch, method, properties, payload):
        got.append([properties.headers["x-stream-offset"], payload.decode()])
        if ack:
            ch.basic_ack(method.delivery_tag)

    arguments = {"x-stream-offset": offset} if args_given else None
    tag = channel.basic_consume(queue, on_message, auto_ack=False, arguments=arguments)
    pump(connection, lambda: len(got) >= count)
    return channel, tag, got


def offsets(port):
    """Declares a stream, publishes 10 with confirms, consumes from first, a number and next."""
    connection = connect(port)
    channel = connection.channel()
    channel.confirm_delivery()
    channel.queue_declare("pika.stream", durable=True, arguments=STREAM)
    for i in range(10):
        channel.basic_publish("", "pika.stream", f"m{i}".encode(), pika.BasicProperties(delivery_mode=2))

    _, _, first = consume(connection, "pika.stream", "first", 10)
    _, _, numeric = consume(connection, "pika.stream", 6, 4, prefetch=2)
    next_channel, _, nexts = consume(connection, "pika.stream", "next", 0)
    _, _, default = consume(connection, "pika.stream", None, 0, args_given=False)
    for i in range(10, 13):
        channel.basic_publish("", "pika.stream", f"m{i}".encode(), pika.BasicProperties(delivery_mode=2))
    pump(connection, lambda: len(nexts) >= 3 and len(default) >= 3 and len(first) >= 13 and len(numeric) >= 7)
    # A moment more: nothing beyond what was asked may come.
    pump(connection, lambda: False, seconds=0.2)
    declared = channel.queue_declare("pika.stream", durable=True, arguments=STREAM, passive=True)
    connection.close()
    return {"first": first, "numeric": numeric, "next": nexts, "default": default,
            "message_count": declared.method.message_count}


def prefetch(port):
    """prefetch_count is credit: with 3 and no acks only 3 come; acking them lets 3 more come."""
    connection = connect(port)
    channel = connection.channel()
    channel.confirm_delivery()
    channel.queue_declare("pika.credit", durable=True, arguments=STREAM)
    for i in range(20):
        channel.basic_publish("", "pika.credit", f"c{i}".encode())
    consumer_channel = connection.channel()
    consumer_channel.basic_qos(prefetch_count=3)
    got = []
    consumer_channel.basic_consume("pika.credit", lambda ch, m, p, b: got.append(m.delivery_tag),
                                   auto_ack=False, arguments={"x-stream-offset": "first"})
    pump(connection, lambda: len(got) >= 3)
    pump(connection, lambda: False, seconds=0.3)
    before_ack = len(got)
    consumer_channel.basic_ack(got[-1], multiple=True)
    pump(connection, lambda: len(got) >= 6)
    pump(connection, lambda: False, seconds=0.3)
    after_ack = len(got)
    connection.close()
    return {"before_ack": before_ack, "after_ack": after_ack}


def get_refused(port):
    """basic_get on a stream: the broker closes the connection with 540, as RabbitMQ does."""
    connection = connect(port)
    channel = connection.channel()
    channel.queue_declare("pika.get", durable=True, arguments=STREAM)
    channel.basic_publish("", "pika.get", b"x")
    error = None
    try:
        channel.basic_get("pika.get", auto_ack=False)
    except (pika.exceptions.ConnectionClosedByBroker, pika.exceptions.ChannelClosedByBroker) as e:
        error = {"kind": type(e).__name__, "reply_code": e.reply_code, "reply_text": e.reply_text}
    return {"error": error, "connection_open": connection.is_open}


SCENARIOS = {"offsets": offsets, "prefetch": prefetch, "get_refused": get_refused}

if __name__ == "__main__":
    scenario, port = sys.argv[1], int(sys.argv[2])
    print(json.dumps(SCENARIOS[scenario](port)))
