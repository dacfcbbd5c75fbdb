"""Drives an MQTT broker with Eclipse Paho (Debian's python3-paho-mqtt, 1.6 or 2.x) for the
MQTT adapter's interop tests (tests/Tidings.Mqtt.Tests, written with the listener).

Usage: /usr/bin/python3 paho_scenarios.py HOST PORT SCENARIO VERSION
  SCENARIO: pubsub_qos0 | pubsub_qos1 | pubsub_qos2 | retained | will_on_abnormal_close |
            persistent_session | user_properties_v5
  VERSION:  3.1.1 or 5 (user_properties_v5 needs 5)

Prints one line, "OK <scenario> <version>: <what was checked>" and exits 0, or
"FAIL <scenario> <version>: <reason>" and exits 1 (2 for bad arguments). Every wait is bounded
(WAIT seconds each, the whole run by ALARM seconds), so a broker that never answers fails, never hangs.
Topics start with a fresh "tidings-interop/<scenario>/<random>/" prefix, so runs never see each
other's messages, and retained messages and sessions made by a scenario are removed at its end.
"""
import queue
import signal
import socket
import sys
import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

WAIT = 5.0     # seconds for any single expected event
ALARM = 45     # seconds for the whole scenario
QUIET = 1.0    # seconds to wait for something that must NOT arrive


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Client:
    """A paho client on its own network thread that records what arrives."""

    def __init__(self, host, port, version, client_id=None, will=None, clean=True, session_expiry=None):
        self.host, self.port, self.version = host, port, version
        self.protocol = mqtt.MQTTv5 if version == "5" else mqtt.MQTTv311
        self.client_id = client_id or "tidings-" + uuid.uuid4().hex[:12]
        self.clean = clean
        self.session_expiry = session_expiry
        kwargs = {"client_id": self.client_id, "protocol": self.protocol}
        if self.protocol != mqtt.MQTTv5:
            kwargs["clean_session"] = clean
        if hasattr(mqtt, "CallbackAPIVersion"):  # paho 2.x; 1.x has only the first callback API
            self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, **kwargs)
        else:
            self.client = mqtt.Client(**kwargs)
        if will is not None:
            topic, payload, qos = will
            self.client.will_set(topic, payload, qos=qos, retain=False)
        self.messages = queue.Queue()
        self.connected = threading.Event()
        self.subscribed = queue.Queue()
        self.connack = None
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda c, u, message: self.messages.put(message)
        self.client.on_subscribe = lambda c, u, mid, granted, *rest: self.subscribed.put((mid, granted))

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connack = (flags, rc)
        self.connected.set()

    def connect(self):
        kwargs = {}
        if self.protocol == mqtt.MQTTv5:
            kwargs["clean_start"] = self.clean
            if self.session_expiry is not None:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = self.session_expiry
                kwargs["properties"] = props
        self.client.connect(self.host, self.port, keepalive=30, **kwargs)
        self.client.loop_start()
        check(self.connected.wait(WAIT), f"{self.client_id}: no CONNACK within {WAIT}s")
        flags, rc = self.connack
        code = getattr(rc, "value", rc)  # 5.0 callbacks give a ReasonCodes object
        check(code == 0, f"{self.client_id}: CONNACK refused ({rc})")
        return flags.get("session present", 0) == 1

    def subscribe(self, topic_filter, qos):
        result, mid = self.client.subscribe(topic_filter, qos)
        check(result == mqtt.MQTT_ERR_SUCCESS, f"subscribe {topic_filter} failed to send ({result})")
        try:
            got_mid, granted = self.subscribed.get(timeout=WAIT)
        except queue.Empty:
            raise Failure(f"no SUBACK for {topic_filter} within {WAIT}s")
        check(got_mid == mid, f"SUBACK for packet {got_mid}, expected {mid}")
        code = granted[0] if not hasattr(granted[0], "value") else granted[0].value
        check(code == qos, f"SUBACK for {topic_filter} granted {code}, asked {qos}")

    def publish(self, topic, payload, qos, retain=False, properties=None):
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        info.wait_for_publish(timeout=WAIT)
        check(info.is_published(), f"PUBLISH to {topic} (QoS {qos}) not acknowledged within {WAIT}s")

    def receive(self, what):
        try:
            return self.messages.get(timeout=WAIT)
        except queue.Empty:
            raise Failure(f"nothing received within {WAIT}s: expected {what}")

    def expect_nothing(self, what):
        try:
            message = self.messages.get(timeout=QUIET)
        except queue.Empty:
            return
        raise Failure(f"{what}, but got {message.topic!r} {message.payload!r}")

    def disconnect(self):
        self.client.disconnect()
        self.client.loop_stop()

    def drop(self):
        """Ends the connection without DISCONNECT, as a crash or a network loss would."""
        sock = self.client.socket()
        self.client.loop_stop()
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def pubsub(qos):
    def scenario(host, port, version, prefix):
        sub = Client(host, port, version)
        sub.connect()
        sub.subscribe(f"{prefix}/+/x/#", qos)
        pub = Client(host, port, version)
        pub.connect()
        sent = []
        for i in range(10):
            topic = f"{prefix}/{'ab'[i % 2]}/x" + ("/deep" if i % 3 == 0 else "")
            payload = f"message {i} é".encode() + bytes([0, 255])
            pub.publish(topic, payload, qos)
            sent.append((topic, payload))
        pub.publish(f"{prefix}/a/not-x", b"must not match", qos)
        got = [sub.receive(f"message {i} of 10") for i in range(len(sent))]
        check([(m.topic, m.payload) for m in got] == sent,
              f"received {[(m.topic, m.payload) for m in got]}, sent {sent}")
        check(all(m.qos == qos for m in got), f"delivered QoS {[m.qos for m in got]}, expected {qos}")
        check(not any(m.retain for m in got), "live messages arrived with RETAIN set")
        sub.expect_nothing("a topic outside the filter must not arrive")
        pub.disconnect()
        sub.disconnect()
        return f"10 QoS {qos} messages through {prefix}/+/x/# in order, intact"
    return scenario


def retained(host, port, version, prefix):
    pub = Client(host, port, version)
    pub.connect()
    pub.publish(f"{prefix}/r/one", b"first retained", 1, retain=True)
    pub.publish(f"{prefix}/r/two/deep", b"second retained", 1, retain=True)
    pub.publish(f"{prefix}/r/one", b"first replaced", 1, retain=True)

    sub = Client(host, port, version)
    sub.connect()
    sub.subscribe(f"{prefix}/r/#", 1)
    got = sorted((sub.receive("a retained message") for _ in range(2)), key=lambda m: m.topic)
    check([(m.topic, m.payload) for m in got] == [(f"{prefix}/r/one", b"first replaced"), (f"{prefix}/r/two/deep", b"second retained")],
          f"retained on subscribe: {[(m.topic, m.payload) for m in got]}")
    check(all(m.retain for m in got), "retained messages sent on subscribe must have RETAIN set")
    sub.expect_nothing("only the two retained messages")

    pub.publish(f"{prefix}/r/one", b"live", 1)
    live = sub.receive("a live publish")
    check((live.topic, live.payload, live.retain) == (f"{prefix}/r/one", b"live", False),
          f"live publish arrived as {(live.topic, live.payload, live.retain)}")

    pub.publish(f"{prefix}/r/one", b"", 1, retain=True)  # clears the retained message
    cleared = sub.receive("the clearing publish forwarded to the subscriber")
    check(cleared.topic == f"{prefix}/r/one" and cleared.payload == b"", f"clearing publish arrived as {(cleared.topic, cleared.payload)}")
    late = Client(host, port, version)
    late.connect()
    late.subscribe(f"{prefix}/r/#", 1)
    only = late.receive("the remaining retained message")
    check((only.topic, only.payload) == (f"{prefix}/r/two/deep", b"second retained"), f"after clear got {(only.topic, only.payload)}")
    late.expect_nothing("the cleared topic must not be retained any more")

    pub.publish(f"{prefix}/r/two/deep", b"", 1, retain=True)
    for client in (late, sub, pub):
        client.disconnect()
    return "retained replace, delivery with real topics and RETAIN=1, live RETAIN=0, clear by empty payload"


def will_on_abnormal_close(host, port, version, prefix):
    watcher = Client(host, port, version)
    watcher.connect()
    watcher.subscribe(f"{prefix}/will/#", 1)

    polite = Client(host, port, version, will=(f"{prefix}/will/polite", b"must not be sent", 1))
    polite.connect()
    polite.disconnect()
    watcher.expect_nothing("a will after a normal DISCONNECT must not be published")

    crashed = Client(host, port, version, will=(f"{prefix}/will/crashed", b"gone away", 1))
    crashed.connect()
    crashed.drop()
    will = watcher.receive("the will of a connection closed without DISCONNECT")
    check((will.topic, will.payload) == (f"{prefix}/will/crashed", b"gone away"), f"will arrived as {(will.topic, will.payload)}")
    watcher.disconnect()
    return "will published after an abrupt close, not after DISCONNECT"


def persistent_session(host, port, version, prefix):
    client_id = "tidings-persist-" + uuid.uuid4().hex[:8]
    expiry = 300 if version == "5" else None
    first = Client(host, port, version, client_id=client_id, clean=False if version != "5" else True, session_expiry=expiry)
    first.connect()
    first.subscribe(f"{prefix}/p", 1)
    first.disconnect()

    pub = Client(host, port, version)
    pub.connect()
    for i in range(3):
        pub.publish(f"{prefix}/p", f"queued {i}".encode(), 1)
    pub.disconnect()

    again = Client(host, port, version, client_id=client_id, clean=False, session_expiry=expiry)
    present = again.connect()
    check(present, "CONNACK Session Present must be 1 when resuming a kept session")
    got = [again.receive(f"queued message {i}") for i in range(3)]
    check([m.payload for m in got] == [b"queued 0", b"queued 1", b"queued 2"], f"queued messages: {[m.payload for m in got]}")
    check(all(m.qos == 1 for m in got), f"queued messages QoS {[m.qos for m in got]}")
    again.disconnect()

    # End the session so the broker does not keep it.
    cleanup = Client(host, port, version, client_id=client_id, clean=True, session_expiry=0 if version == "5" else None)
    cleanup.connect()
    cleanup.disconnect()
    return "session kept over a disconnect; 3 QoS 1 messages queued meanwhile delivered on resume"


def user_properties_v5(host, port, version, prefix):
    check(version == "5", "user_properties_v5 runs with VERSION 5 only")
    sub = Client(host, port, version)
    sub.connect()
    sub.subscribe(f"{prefix}/props", 1)
    pub = Client(host, port, version)
    pub.connect()
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = ("a", "1")
    props.UserProperty = ("b", "x")
    props.UserProperty = ("a", "2")
    props.ContentType = "application/json"
    props.ResponseTopic = f"{prefix}/reply"
    props.CorrelationData = b"\x00\x01corr"
    props.PayloadFormatIndicator = 1
    pub.publish(f"{prefix}/props", b'{"k": 1}', 1, properties=props)
    message = sub.receive("a PUBLISH with properties")
    got = message.properties
    users = list(getattr(got, "UserProperty", []))
    check(users == [("a", "1"), ("b", "x"), ("a", "2")], f"user properties arrived as {users} (order and duplicates must be kept)")
    check(getattr(got, "ContentType", None) == "application/json", f"content type {getattr(got, 'ContentType', None)!r}")
    check(getattr(got, "ResponseTopic", None) == f"{prefix}/reply", f"response topic {getattr(got, 'ResponseTopic', None)!r}")
    check(getattr(got, "CorrelationData", None) == b"\x00\x01corr", f"correlation data {getattr(got, 'CorrelationData', None)!r}")
    check(getattr(got, "PayloadFormatIndicator", None) == 1, f"payload format {getattr(got, 'PayloadFormatIndicator', None)!r}")
    pub.disconnect()
    sub.disconnect()
    return "user properties (order, duplicates), content type, response topic, correlation data, payload format"


SCENARIOS = {
    "pubsub_qos0": pubsub(0),
    "pubsub_qos1": pubsub(1),
    "pubsub_qos2": pubsub(2),
    "retained": retained,
    "will_on_abnormal_close": will_on_abnormal_close,
    "persistent_session": persistent_session,
    "user_properties_v5": user_properties_v5,
}


def main(argv):
    if len(argv) != 5 or argv[3] not in SCENARIOS or argv[4] not in ("3.1.1", "5") \
            or (argv[3] == "user_properties_v5" and argv[4] != "5"):
        print(f"usage: {argv[0]} HOST PORT {{{'|'.join(SCENARIOS)}}} {{3.1.1|5}}", file=sys.stderr)
        return 2
    host, port, name, version = argv[1], int(argv[2]), argv[3], argv[4]

    def on_alarm(signum, frame):
        raise Failure(f"scenario did not finish within {ALARM}s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(ALARM)
    prefix = f"tidings-interop/{name}/{uuid.uuid4().hex[:10]}"
    started = time.monotonic()
    try:
        what = SCENARIOS[name](host, port, version, prefix)
    except Failure as failure:
        print(f"FAIL {name} {version}: {failure}", flush=True)
        return 1
    except Exception as error:  # a client error is a failure of the scenario too, with its cause
        print(f"FAIL {name} {version}: {type(error).__name__}: {error}", flush=True)
        return 1
    finally:
        signal.alarm(0)
    print(f"OK {name} {version}: {what} ({time.monotonic() - started:.1f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
