"""Client of the Tidings distributed logging queue HTTP API, standard library only."""

from .client import Consumer, LogQueue, LogQueueError, NoMessage, Producer

__all__ = ["Consumer", "LogQueue", "LogQueueError", "NoMessage", "Producer"]
