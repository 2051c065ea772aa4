"""``CompletableFuture`` (PyFlink's ``pyflink.common.completable_future``).

In PyFlink it wraps a Java future (what ``JobClient`` methods return). flinklite's ``JobClient``
returns :class:`concurrent.futures.Future` objects, which have the same ``cancel``, ``cancelled``,
``done``, ``result`` and ``exception`` methods; ``CompletableFuture`` is that class, so
``isinstance(f, CompletableFuture)`` holds for them.
"""

from concurrent.futures import Future as CompletableFuture

__all__ = ["CompletableFuture"]
