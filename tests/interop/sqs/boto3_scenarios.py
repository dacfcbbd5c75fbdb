"""Drives an SQS endpoint with boto3 (Debian's python3-boto3 1.26 / botocore 1.29, whose SQS model
speaks the Query protocol: form-encoded POSTs, XML answers) for the SQS API's interop tests.

Usage: /usr/bin/python3 boto3_scenarios.py ENDPOINT_URL SCENARIO
  ENDPOINT_URL: e.g. http://127.0.0.1:9324 (access key "test", secret "test", region us-east-1)
  SCENARIO:     basic | xml_chars | batch | fifo | visibility | longpoll | errors | dlq | tags | resource | all

Prints one JSON line, {"ok": true, "client": "boto3", "scenario": ..., ...what was checked...} and
exits 0, or {"ok": false, "client": "boto3", "scenario": ..., "error": "<reason>"} and exits 1
(2 for bad arguments; "all" prints one line per scenario and exits 1 if any failed). Every call is
bounded (botocore timeouts, no retries) and the whole run by an alarm, so a server that never answers
fails, never hangs. Queue names carry a random suffix, and each scenario deletes the queues it made.
botocore itself checks MD5OfMessageBody and MD5OfMessageAttributes of SendMessage(Batch) and
ReceiveMessage answers and raises on a mismatch, so every scenario that receives checks those too.
"""
import json
import signal
import sys
import threading
import time
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

ALARM = 60       # seconds for one scenario
REGION = "us-east-1"


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def session():
    return boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)


def config():
    # read_timeout above the longest WaitTimeSeconds used (5 s); no retries, so failures show at once.
    return Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 1, "mode": "standard"})


def client(endpoint):
    return session().client("sqs", endpoint_url=endpoint, config=config())


def name(prefix):
    return f"tidings-interop-{prefix}-{uuid.uuid4().hex[:10]}"


class Queues:
    """Creates queues and deletes them all at the end, whatever happened."""

    def __init__(self, sqs):
        self.sqs, self.urls = sqs, []

    def create(self, queue_name, **attributes):
        kwargs = {"QueueName": queue_name}
        if attributes:
            kwargs["Attributes"] = {k: str(v) for k, v in attributes.items()}
        url = self.sqs.create_queue(**kwargs)["QueueUrl"]
        self.urls.append(url)
        return url

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for url in self.urls:
            try:
                self.sqs.delete_queue(QueueUrl=url)
            except Exception:
                pass
        return False


def receive_all(sqs, url, expected, deadline_s=10.0, **kwargs):
    """Receives until `expected` messages came (or the deadline), without deleting."""
    got = []
    deadline = time.monotonic() + deadline_s
    while len(got) < expected and time.monotonic() < deadline:
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, expected - len(got)),
                                       WaitTimeSeconds=1, **kwargs)
        got.extend(response.get("Messages", []))
    return got


def approximate(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def scenario_basic(endpoint):
    sqs = client(endpoint)
    with Queues(sqs) as queues:
        queue_name = name("basic")
        created = queues.create(queue_name)
        url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        check(url == created, f"get_queue_url gave {url!r}, create_queue gave {created!r}")
        check(url.rstrip("/").endswith("/" + queue_name), f"queue URL {url!r} does not end with the name")
        body = "hello from boto3 \u00e9\u00e8 \U0001F600"
        binary = bytes(range(256))
        attributes = {
            "greeting": {"DataType": "String", "StringValue": "h\u00e9llo"},
            "count": {"DataType": "Number", "StringValue": "42"},
            "blob": {"DataType": "Binary", "BinaryValue": binary},
            "kind": {"DataType": "String.custom", "StringValue": "custom-type"},
        }
        sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
        check("MessageId" in sent and "MD5OfMessageBody" in sent, f"send_message answer lacks fields: {sent}")
        check("MD5OfMessageAttributes" in sent, "send_message answer has no MD5OfMessageAttributes")
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=5,
                                       MessageAttributeNames=["All"], AttributeNames=["All"])
        messages = response.get("Messages", [])
        check(len(messages) == 1, f"received {len(messages)} messages, expected 1")
        m = messages[0]
        check(m["Body"] == body, f"body {m['Body']!r} != {body!r}")
        check(m["MessageId"] == sent["MessageId"], "received MessageId differs from the sent one")
        check(m["MD5OfBody"] == sent["MD5OfMessageBody"], "MD5OfBody differs from send_message's MD5OfMessageBody")
        got = m.get("MessageAttributes", {})
        check(set(got) == set(attributes), f"message attribute names {sorted(got)} != {sorted(attributes)}")
        check(got["greeting"] == {"DataType": "String", "StringValue": "h\u00e9llo"}, f"greeting: {got['greeting']}")
        check(got["count"] == {"DataType": "Number", "StringValue": "42"}, f"count: {got['count']}")
        check(got["blob"]["DataType"] == "Binary" and got["blob"]["BinaryValue"] == binary,
              f"blob: {got['blob']}")
        check(got["kind"] == {"DataType": "String.custom", "StringValue": "custom-type"}, f"kind: {got['kind']}")
        system = m.get("Attributes", {})
        for key in ("SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"):
            check(key in system, f"system attribute {key} missing from {sorted(system)}")
        check(system["ApproximateReceiveCount"] == "1", f"ApproximateReceiveCount {system['ApproximateReceiveCount']}")
        sent_ms = int(system["SentTimestamp"])
        check(abs(sent_ms / 1000 - time.time()) < 300, f"SentTimestamp {sent_ms} is not near now")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=0)
        check(not again.get("Messages"), f"queue not empty after delete: {again.get('Messages')}")
        visible, invisible = approximate(sqs, url)
        check((visible, invisible) == (0, 0), f"approximate counts after delete: {visible}, {invisible}")
        listed = sqs.list_queues(QueueNamePrefix=queue_name).get("QueueUrls", [])
        check(url in listed, f"list_queues(prefix) gave {listed}")
    return {"body_chars": len(body), "attributes": sorted(attributes), "md5": "checked by botocore"}


def scenario_xml_chars(endpoint):
    """Bodies and attribute values with XML's special characters and the edges of the allowed set
    (#x9 #xA #xD, #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF) must come back unchanged: the Query
    protocol's XML answers must escape them (local-aws-sqs 2.0.2 does not, and fails this scenario)."""
    sqs = client(endpoint)
    with Queues(sqs) as queues:
        url = queues.create(name("xmlchars"))
        bodies = ["<tag attr=\"v\">&amp; & < > ' \"</tag>", "]]> <![CDATA[x]]>", "tab\tcr\rlf\n end",
                  "\ud7ff\ue000\ufffd\U00010000\U0010ffff", " leading and trailing spaces "]
        for i, body in enumerate(bodies):
            sqs.send_message(QueueUrl=url, MessageBody=body,
                             MessageAttributes={"v": {"DataType": "String", "StringValue": body}})
        got = receive_all(sqs, url, len(bodies), MessageAttributeNames=["All"])
        check(sorted(m["Body"] for m in got) == sorted(bodies),
              f"bodies came back as {[m['Body'] for m in got]!r}")
        for m in got:
            check(m["MessageAttributes"]["v"]["StringValue"] == m["Body"],
                  f"attribute {m['MessageAttributes']['v']['StringValue']!r} != body {m['Body']!r}")
    return {"bodies": len(bodies)}


def scenario_batch(endpoint):
    sqs = client(endpoint)
    with Queues(sqs) as queues:
        url = queues.create(name("batch"))
        entries = [{"Id": f"m{i}", "MessageBody": f"batch message {i}",
                    "MessageAttributes": {"index": {"DataType": "Number", "StringValue": str(i)}}}
                   for i in range(10)]
        sent = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        check(not sent.get("Failed"), f"send_message_batch failures: {sent.get('Failed')}")
        check(sorted(e["Id"] for e in sent["Successful"]) == sorted(e["Id"] for e in entries),
              f"successful ids {[e['Id'] for e in sent['Successful']]}")
        got = receive_all(sqs, url, 10, MessageAttributeNames=["All"])
        bodies = sorted(m["Body"] for m in got)
        check(bodies == sorted(e["MessageBody"] for e in entries), f"received bodies {bodies}")
        for m in got:
            index = m["MessageAttributes"]["index"]["StringValue"]
            check(m["Body"] == f"batch message {index}", f"attribute index {index} on body {m['Body']!r}")
        deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
        check(not deleted.get("Failed"), f"delete_message_batch failures: {deleted.get('Failed')}")
        check(len(deleted["Successful"]) == 10, f"{len(deleted['Successful'])} deletes succeeded")
        again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=0)
        check(not again.get("Messages"), "queue not empty after delete_message_batch")
    return {"sent": 10, "received": len(got), "deleted": 10}


def scenario_fifo(endpoint):
    sqs = client(endpoint)
    with Queues(sqs) as queues:
        queue_name = name("fifo") + ".fifo"
        url = queues.create(queue_name, FifoQueue="true", ContentBasedDeduplication="true")
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue", "ContentBasedDeduplication"])
        check(attrs["Attributes"].get("FifoQueue") == "true", f"FifoQueue attribute: {attrs['Attributes']}")
        sequence = {"a": [], "b": []}
        for i in range(10):
            group = "a" if i % 2 == 0 else "b"
            r = sqs.send_message(QueueUrl=url, MessageBody=f"{group}-{i}", MessageGroupId=group)
            check("SequenceNumber" in r, f"FIFO send_message answer has no SequenceNumber: {r}")
            sequence[group].append(int(r["SequenceNumber"]))
        # AWS: the SequenceNumber "continues to increase for a particular MessageGroupId".
        for group, numbers in sequence.items():
            check(numbers == sorted(numbers) and len(set(numbers)) == 5,
                  f"sequence numbers of group {group} not increasing: {numbers}")
        # The same body in the same group within 5 minutes: content-based deduplication drops it,
        # but the send still succeeds (with the first message's id).
        dup = sqs.send_message(QueueUrl=url, MessageBody="a-0", MessageGroupId="a")
        check("MessageId" in dup, "duplicate send did not succeed")
        got = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                    AttributeNames=["All"])
            batch = r.get("Messages", [])
            if not batch and len(got) >= 10:
                break
            for m in batch:
                got.append(m)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        bodies = [m["Body"] for m in got]
        check(len(bodies) == 10, f"received {len(bodies)} messages, expected 10 (duplicate dropped): {bodies}")
        for group in ("a", "b"):
            in_group = [b for b in bodies if b.startswith(group + "-")]
            expected = [f"{group}-{i}" for i in range(10) if (i % 2 == 0) == (group == "a")]
            check(in_group == expected, f"group {group} order {in_group} != {expected}")
        for m in got:
            check(m["Attributes"].get("MessageGroupId") == m["Body"][0], f"MessageGroupId of {m['Body']}")
            check("SequenceNumber" in m["Attributes"], "received FIFO message has no SequenceNumber")
            check("MessageDeduplicationId" in m["Attributes"], "received FIFO message has no MessageDeduplicationId")
    return {"received": len(bodies), "groups": 2, "duplicate_dropped": True}


def scenario_visibility(endpoint):
    sqs = client(endpoint)
    with Queues(sqs) as queues:
        url = queues.create(name("visibility"))
        sqs.send_message(QueueUrl=url, MessageBody="now you see me")
        first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=5, VisibilityTimeout=1,
                                    AttributeNames=["ApproximateReceiveCount"])
        check(len(first.get("Messages", [])) == 1, "first receive got nothing")
        started = time.monotonic()
        hidden = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)
        check(time.monotonic() - started < 0.9, "the check for invisibility came too late to mean anything")
        check(not hidden.get("Messages"), "message visible again within its 1 s visibility timeout")
        time.sleep(max(0.0, 1.5 - (time.monotonic() - started)))
        second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=2,
                                     AttributeNames=["ApproximateReceiveCount"])
        check(len(second.get("Messages", [])) == 1, "message not visible again 1.5 s after a 1 s visibility timeout")
        m = second["Messages"][0]
        check(m["Body"] == "now you see me", f"body {m['Body']!r}")
        check(m["Attributes"]["ApproximateReceiveCount"] == "2",
              f"ApproximateReceiveCount {m['Attributes']['ApproximateReceiveCount']} after two receives")
        # change_message_visibility: to 0 makes it visible at once; to 30 hides it.
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        third = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=2, VisibilityTimeout=30)
        check(len(third.get("Messages", [])) == 1, "not visible after change_message_visibility(0)")
        handle = third["Messages"][0]["ReceiptHandle"]
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=1)
        started = time.monotonic()
        check(not sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages"),
              "visible right after change_message_visibility(1)")
        time.sleep(max(0.0, 1.5 - (time.monotonic() - started)))
        fourth = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=2)
        check(len(fourth.get("Messages", [])) == 1, "not visible 1.5 s after change_message_visibility(1)")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=fourth["Messages"][0]["ReceiptHandle"])
    return {"receives": 4, "receive_count_after_two": 2}


def scenario_longpoll(endpoint):
    sqs = client(endpoint)
    sender = client(endpoint)
    with Queues(sqs) as queues:
        url = queues.create(name("longpoll"))
        started = time.monotonic()
        empty = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1)
        waited_empty = time.monotonic() - started
        check(not empty.get("Messages"), "empty queue returned a message")
        check(0.8 <= waited_empty < 3.0, f"WaitTimeSeconds 1 on an empty queue returned after {waited_empty:.2f} s")

        errors = []

        def send_later():
            try:
                time.sleep(0.5)
                sender.send_message(QueueUrl=url, MessageBody="wake up")
            except Exception as e:  # reported by the main thread
                errors.append(repr(e))

        thread = threading.Thread(target=send_later, daemon=True)
        started = time.monotonic()
        thread.start()
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=5)
        waited = time.monotonic() - started
        thread.join(5)
        check(not errors, f"sender failed: {errors}")
        check(len(r.get("Messages", [])) == 1, f"long poll returned no message after {waited:.2f} s")
        check(r["Messages"][0]["Body"] == "wake up", f"body {r['Messages'][0]['Body']!r}")
        check(waited < 2.0, f"long poll returned after {waited:.2f} s, expected < 2 s (message sent at 0.5 s)")
        check(waited >= 0.4, f"long poll returned after {waited:.2f} s, before the message was sent")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=r["Messages"][0]["ReceiptHandle"])
    return {"empty_wait_s": round(waited_empty, 3), "wakeup_s": round(waited, 3)}


def expect_error(code, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ClientError as e:
        got = e.response.get("Error", {}).get("Code")
        check(got == code, f"{call.__name__}: error code {got!r}, expected {code!r} ({e})")
        return e
    raise Failure(f"{call.__name__} succeeded, expected error {code}")


def scenario_errors(endpoint):
    sqs = client(endpoint)
    with Queues(sqs) as queues:
        missing = name("missing")
        e = expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_url, QueueName=missing)
        check(isinstance(e, sqs.exceptions.QueueDoesNotExist), f"not sqs.exceptions.QueueDoesNotExist: {type(e)}")
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(status == 400, f"NonExistentQueue HTTP status {status}")
        url = queues.create(name("errors"))
        missing_url = url.rsplit("/", 1)[0] + "/" + missing
        expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.send_message, QueueUrl=missing_url, MessageBody="x")
        e = expect_error("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", sqs.send_message_batch, QueueUrl=url,
                         Entries=[{"Id": "same", "MessageBody": "one"}, {"Id": "same", "MessageBody": "two"}])
        check(isinstance(e, sqs.exceptions.BatchEntryIdsNotDistinct), f"not BatchEntryIdsNotDistinct: {type(e)}")
        expect_error("ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=url, ReceiptHandle="not-a-receipt-handle")
        # Nothing was sent by the failed batch.
        check(not sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"),
              "a batch rejected for duplicate ids still sent messages")
    return {"codes": ["AWS.SimpleQueueService.NonExistentQueue", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
                      "ReceiptHandleIsInvalid"]}


def scenario_dlq(endpoint):
    sqs = client(endpoint)
    with Queues(sqs) as queues:
        dlq_url = queues.create(name("dlq-dead"))
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        check(dlq_arn.startswith("arn:aws:sqs:"), f"QueueArn {dlq_arn!r}")
        url = queues.create(name("dlq-source"))
        policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": policy})
        got_policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
                                ["Attributes"]["RedrivePolicy"])
        check(got_policy["deadLetterTargetArn"] == dlq_arn and int(got_policy["maxReceiveCount"]) == 2,
              f"RedrivePolicy read back as {got_policy}")
        sqs.send_message(QueueUrl=url, MessageBody="poison",
                         MessageAttributes={"why": {"DataType": "String", "StringValue": "fails"}})
        for attempt in (1, 2):
            r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=2, VisibilityTimeout=0)
            check(len(r.get("Messages", [])) == 1, f"receive {attempt} got nothing")
        # The third receive finds the count exhausted: the message moves to the DLQ instead.
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1)
        check(not r.get("Messages"), "message delivered a third time despite maxReceiveCount 2")
        dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=1, WaitTimeSeconds=5,
                                   MessageAttributeNames=["All"], AttributeNames=["All"])
        check(len(dead.get("Messages", [])) == 1, "message not in the dead-letter queue")
        m = dead["Messages"][0]
        check(m["Body"] == "poison", f"DLQ body {m['Body']!r}")
        check(m["MessageAttributes"]["why"]["StringValue"] == "fails", "message attribute lost on the way to the DLQ")
        sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
        check(url in sources, f"list_dead_letter_source_queues gave {sources}")
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
    return {"max_receive_count": 2, "moved": True, "dlq_receive_count": m["Attributes"].get("ApproximateReceiveCount")}


def scenario_tags(endpoint):
    """Cost-allocation tags over Query (the TagMap is flattened as Tag.N.Key / Tag.N.Value for both
    create_queue and tag_queue), and answers whose Result element has no members (an untagged queue's
    list_queue_tags, list_dead_letter_source_queues and list_queues matching nothing)."""
    sqs = client(endpoint)
    with Queues(sqs) as queues:
        queue_name = name("tags")
        url = sqs.create_queue(QueueName=queue_name, tags={"team": "core", "env": "test"})["QueueUrl"]
        queues.urls.append(url)
        got = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        check(got == {"team": "core", "env": "test"}, f"tags after create_queue: {got}")
        sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "owner": "tidings"})
        got = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        check(got == {"team": "core", "env": "prod", "owner": "tidings"}, f"tags after tag_queue: {got}")
        sqs.untag_queue(QueueUrl=url, TagKeys=["team", "env", "owner"])
        got = sqs.list_queue_tags(QueueUrl=url)
        check(not got.get("Tags"), f"tags after untag_queue: {got.get('Tags')}")
        sources = sqs.list_dead_letter_source_queues(QueueUrl=url)
        check(not sources.get("queueUrls"), f"list_dead_letter_source_queues of a queue no one uses: {sources.get('queueUrls')}")
        listed = sqs.list_queues(QueueNamePrefix=queue_name + "-none")
        check(not listed.get("QueueUrls"), f"list_queues with a prefix matching nothing: {listed.get('QueueUrls')}")
    return {"tagged": ["env", "owner", "team"], "untagged": True}


def scenario_resource(endpoint):
    sqs = session().resource("sqs", endpoint_url=endpoint, config=config())
    queue_name = name("resource")
    queue = sqs.create_queue(QueueName=queue_name)
    try:
        check(queue.url.rstrip("/").endswith("/" + queue_name), f"Queue.url {queue.url!r}")
        same = sqs.get_queue_by_name(QueueName=queue_name)
        check(same.url == queue.url, f"get_queue_by_name url {same.url!r}")
        check(queue.attributes.get("QueueArn", "").endswith(":" + queue_name), f"QueueArn {queue.attributes}")
        sent = queue.send_message(MessageBody="resource body",
                                  MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
        check("MessageId" in sent, f"Queue.send_message answer {sent}")
        messages = queue.receive_messages(MaxNumberOfMessages=1, WaitTimeSeconds=5, MessageAttributeNames=["All"])
        check(len(messages) == 1, f"Queue.receive_messages gave {len(messages)}")
        m = messages[0]
        check(m.body == "resource body", f"Message.body {m.body!r}")
        check(m.message_id == sent["MessageId"], "Message.message_id differs from the sent one")
        check(m.message_attributes == {"k": {"DataType": "String", "StringValue": "v"}},
              f"Message.message_attributes {m.message_attributes}")
        m.delete()
        check(not queue.receive_messages(MaxNumberOfMessages=1, WaitTimeSeconds=1, VisibilityTimeout=0),
              "queue not empty after Message.delete")
        urls = [q.url for q in sqs.queues.filter(QueueNamePrefix=queue_name)]
        check(queue.url in urls, f"queues.filter gave {urls}")
    finally:
        try:
            queue.delete()
        except Exception:
            pass
    return {"message_id": sent["MessageId"]}


SCENARIOS = {
    "basic": scenario_basic,
    "xml_chars": scenario_xml_chars,
    "batch": scenario_batch,
    "fifo": scenario_fifo,
    "visibility": scenario_visibility,
    "longpoll": scenario_longpoll,
    "errors": scenario_errors,
    "dlq": scenario_dlq,
    "tags": scenario_tags,
    "resource": scenario_resource,
}


def on_alarm(signum, frame):
    raise Failure(f"scenario took longer than {ALARM} s")


def run(endpoint, scenario):
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(ALARM)
    started = time.monotonic()
    try:
        details = SCENARIOS[scenario](endpoint)
        result = {"ok": True, "client": "boto3", "scenario": scenario, "boto3": boto3.__version__,
                  "botocore": botocore.__version__, "seconds": round(time.monotonic() - started, 3)}
        result.update(details)
    except Failure as e:
        result = {"ok": False, "client": "boto3", "scenario": scenario, "error": str(e)}
    except Exception as e:  # a client error where none was expected, a connection refused, a timeout
        result = {"ok": False, "client": "boto3", "scenario": scenario, "error": f"{type(e).__name__}: {e}"[:2000]}
    finally:
        signal.alarm(0)
    print(json.dumps(result), flush=True)
    return result["ok"]


def main(argv):
    if len(argv) != 3 or (argv[2] not in SCENARIOS and argv[2] != "all"):
        print(f"usage: /usr/bin/python3 {argv[0]} ENDPOINT_URL {{{'|'.join(SCENARIOS)}|all}}", file=sys.stderr)
        return 2
    endpoint, scenario = argv[1], argv[2]
    names = list(SCENARIOS) if scenario == "all" else [scenario]
    ok = True
    for n in names:
        ok = run(endpoint, n) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
