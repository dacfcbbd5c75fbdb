"""Celery app for tests/Tidings.Amqp.Tests/Interop/CeleryTests.cs: broker and rpc:// results on Tidings.

The port comes from TIDINGS_AMQP_PORT, so the worker and the client scripts share one definition.
"""
import os

from celery import Celery

PORT = int(os.environ["TIDINGS_AMQP_PORT"])

app = Celery("tasks", broker=f"amqp://guest:guest@127.0.0.1:{PORT}//", backend="rpc://")
app.conf.update(
    broker_connection_retry_on_startup=False,
    broker_connection_max_retries=0,
    broker_heartbeat=0,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=True,
)


@app.task
def add(x, y):
    return x + y


@app.task
def echo(text):
    """Returns its argument unchanged: non-ASCII text must survive broker and result backend."""
    return text
