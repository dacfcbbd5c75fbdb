"""The API's operations over one keep-alive HTTP connection (http.client), and the
producer/consumer interface on top of them."""

import base64
import http.client
import json
import threading
import urllib.parse


class LogQueueError(Exception):
    """A failure answer: ``status`` is the HTTP status, ``message`` the broker's reason."""

    def __init__(self, status, message):
        super().__init__("%s: %s" % (status, message))
        self.status = status
        self.message = message


class NoMessage(LogQueueError):
    """get_next found nothing the consumer has not read yet."""


class LogQueue:
    """The API at ``url`` (``http://host:15672/logqueue`` or a listener of its own, ``http://host:5050``).

    One connection per thread, kept alive between calls and reopened once when the server closed it.
    Without ``user`` no credentials are sent: the broker's default user, from loopback only.
    """

    def __init__(self, url, user=None, password=None, timeout=30.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError("url must be http:// or https://, got %r" % url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if user is not None:
            token = base64.b64encode(("%s:%s" % (user, password or "")).encode("utf-8")).decode("ascii")
            self._headers["Authorization"] = "Basic " + token
        self._local = threading.local()

    # ---- the seven operations ----

    def create_topic(self, name):
        return self._call("POST", "/topics", {"name": name})["message"]

    def list_topics(self):
        return self._call("GET", "/topics", None)["topics"]

    def register_producer(self, topic):
        return self._call("POST", "/producer/register", {"topic": topic})["producer_id"]

    def register_consumer(self, topic):
        return self._call("POST", "/consumer/register", {"topic": topic})["consumer_id"]

    def produce(self, topic, producer_id, message):
        self._call("POST", "/producer/produce", {"topic": topic, "producer_id": producer_id, "message": message})

    def consume(self, topic, consumer_id):
        """The consumer's next message; NoMessage when it has read everything."""
        try:
            return self._call("GET", "/consumer/consume", {"topic": topic, "consumer_id": consumer_id})["message"]
        except LogQueueError as e:
            if e.status == 400 and e.message.startswith("no new messages"):
                raise NoMessage(e.status, e.message) from None
            raise

    def size(self, topic, consumer_id):
        return self._call("GET", "/size", {"topic": topic, "consumer_id": consumer_id})["size"]

    def close(self):
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # ---- plumbing ----

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self._timeout)
            self._local.connection = connection
        return connection

    def _call(self, method, path, fields):
        body = None if fields is None else json.dumps(fields).encode("utf-8")
        for attempt in (0, 1):
            connection = self._connection()
            try:
                connection.request(method, self._prefix + path, body=body, headers=self._headers)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest):
                # A kept-alive connection the server closed while idle: once more on a new one.
                self.close()
                if attempt == 1:
                    raise
        try:
            answer = json.loads(data.decode("utf-8"))
        except ValueError:
            raise LogQueueError(response.status, "not a logging-queue answer: %r" % data[:200]) from None
        if answer.get("status") != "success":
            raise LogQueueError(response.status, answer.get("message", "failure"))
        return answer


class Producer:
    """A registered producer of ``topic`` (the topic is created when missing)."""

    def __init__(self, queue, topic):
        self.queue = queue
        self.topic = topic
        self.id = queue.register_producer(topic)

    def send(self, message):
        """Appends ``message`` (a str); returns once the broker has it on disk."""
        self.queue.produce(self.topic, self.id, message)


class Consumer:
    """A registered consumer of an existing ``topic``, reading it from the start at its own position."""

    def __init__(self, queue, topic):
        self.queue = queue
        self.topic = topic
        self.id = queue.register_consumer(topic)

    def get_next(self):
        """The next message; NoMessage when there is none yet."""
        return self.queue.consume(self.topic, self.id)

    def has_next(self):
        return self.size() > 0

    def size(self):
        """How many messages this consumer has not read yet."""
        return self.queue.size(self.topic, self.id)
