"""The package against a running broker: TIDINGS_LOGQUEUE_URL names the API's root
(http://127.0.0.1:15672/logqueue). Without it the tests fail rather than skip: a run that
tested nothing must not look green."""

import os
import threading
import unittest
import uuid

from tidings_logqueue import Consumer, LogQueue, LogQueueError, NoMessage, Producer

URL = os.environ.get("TIDINGS_LOGQUEUE_URL")


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


class ClientTests(unittest.TestCase):
    def setUp(self):
        if not URL:
            self.fail("set TIDINGS_LOGQUEUE_URL to the logging-queue API of a running broker")
        self.queue = LogQueue(URL)

    def tearDown(self):
        self.queue.close()

    def test_create_and_list_topics_and_an_existing_topic_fails(self):
        topic = unique("created")
        self.queue.create_topic(topic)
        self.assertIn(topic, self.queue.list_topics())
        with self.assertRaises(LogQueueError) as raised:
            self.queue.create_topic(topic)
        self.assertEqual(400, raised.exception.status)

    def test_send_get_next_has_next_and_size(self):
        topic = unique("lines")
        producer = Producer(self.queue, topic)
        consumer = Consumer(self.queue, topic)
        self.assertFalse(consumer.has_next())
        for line in ["first", "zweite Zeile \u2603", "third"]:
            producer.send(line)
        self.assertEqual(3, consumer.size())
        self.assertTrue(consumer.has_next())
        self.assertEqual(["first", "zweite Zeile \u2603", "third"], [consumer.get_next() for _ in range(3)])
        self.assertFalse(consumer.has_next())
        with self.assertRaises(NoMessage):
            consumer.get_next()

    def test_a_late_consumer_reads_from_the_start_and_consumers_are_independent(self):
        topic = unique("late")
        producer = Producer(self.queue, topic)
        early = Consumer(self.queue, topic)
        for i in range(5):
            producer.send("line %d" % i)
        self.assertEqual("line 0", early.get_next())
        late = Consumer(self.queue, topic)
        self.assertNotEqual(early.id, late.id)
        self.assertEqual(5, late.size())
        self.assertEqual("line 0", late.get_next())
        self.assertEqual(4, early.size())

    def test_registering_a_consumer_on_an_unknown_topic_fails(self):
        with self.assertRaises(LogQueueError) as raised:
            Consumer(self.queue, unique("missing"))
        self.assertIn(raised.exception.status, (400, 404))

    def test_a_producer_may_only_produce_to_its_own_topic(self):
        mine = Producer(self.queue, unique("mine"))
        other = Producer(self.queue, unique("other"))
        with self.assertRaises(LogQueueError) as raised:
            self.queue.produce(other.topic, mine.id, "x")
        self.assertEqual(400, raised.exception.status)

    def test_threads_share_one_client_each_on_its_own_connection(self):
        topic = unique("threads")
        producers = [Producer(self.queue, topic) for _ in range(3)]

        def run(producer):
            for i in range(100):
                producer.send("%d %d" % (producer.id, i))

        threads = [threading.Thread(target=run, args=(p,)) for p in producers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        consumer = Consumer(self.queue, topic)
        lines = [consumer.get_next() for _ in range(300)]
        for producer in producers:
            own = [line for line in lines if line.startswith("%d " % producer.id)]
            self.assertEqual(["%d %d" % (producer.id, i) for i in range(100)], own)


if __name__ == "__main__":
    unittest.main()
