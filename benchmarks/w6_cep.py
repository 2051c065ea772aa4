"""W6 CEP: a 3-step pattern ``a -> b -> c`` (relaxed contiguity) per key, N events, parallelism 1.

Events are the numbers ``0 .. N-1`` with timestamp ``i`` ms (the W3 watermark strategy: bounded
out-of-orderness 100 ms), key ``i % 100``, and a type in 0..4 hashed from ``i // 100``:
types 0, 1 and 2 are the pattern's a, b and c, 3 and 4 are noise. Every a starts a partial match
that takes the key's next b and then its next c (``followed_by``), so about one event in five
starts a branch and most branches complete within a few of the key's events: N/5 matches.

The engine runs ``CEP.pattern(keyed, pattern).select(...)``: each event is buffered in keyed state
until the watermark passes it, then fed to the NFA (compiled states, Dewey versions, the shared
buffer), and each match is turned into ``(key, a, c)``.

The bare loop is the hand-written state machine for exactly this pattern: per key a list of
open branches ``[waiting_for_c, a]``; an event advances every branch it fits and a type-0 event
opens a new one. It sees the events in order (no buffering, no watermark) and calls the same
conditions, key selector, result function and sink. Result: W3's digest of the ``(key, a, c)``
triples.
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import Workload
from benchmarks.w3_tumbling_window import ResultDigest, digest_sink, strategy
from flinklite.cep import CEP, Pattern
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors.number_seq import NumberSequenceSource

N = 1_000_000
KEYS = 100

key_of = lambda i: i % KEYS  # noqa: E731
_type = lambda i: (((i // KEYS) * 2654435761) % 2**32 >> 16) % 5  # noqa: E731
is_a = lambda i: _type(i) == 0  # noqa: E731
is_b = lambda i: _type(i) == 1  # noqa: E731
is_c = lambda i: _type(i) == 2  # noqa: E731


def match_result(match: dict) -> tuple:
    a = match["a"][0]
    return (a % KEYS, a, match["c"][0])


def pattern() -> Pattern:
    return Pattern.begin("a").where(is_a).followed_by("b").where(is_b).followed_by("c").where(is_c)


def engine(n: int) -> ResultDigest:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    sink, digest = digest_sink()
    events = env.from_source(NumberSequenceSource(0, n - 1), strategy(), "numbers")
    CEP.pattern(events.key_by(key_of), pattern()).select(match_result).add_sink(sink)
    env.execute("w6 cep a->b->c")
    return digest


def bare(n: int) -> ResultDigest:
    """The hand-written state machine: per key, the open branches as [waiting_for_c, a]."""
    sink, digest = digest_sink()
    branches: dict[Any, list] = {}
    for i in range(n):
        open_ = branches.get(key_of(i))
        if open_ is None:
            open_ = branches[key_of(i)] = []
        if open_:
            b, c = is_b(i), is_c(i)
            kept = []
            for br in open_:
                if br[0]:
                    if c:
                        sink(match_result({"a": [br[1]], "c": [i]}))
                        continue
                elif b:
                    br[0] = True
                kept.append(br)
            open_[:] = kept
        if is_a(i):
            open_.append([False, i])
    return digest


WORKLOADS: list[Workload] = [
    Workload(
        name="W6 CEP (a -> b -> c per key)",
        events=N,
        setup=lambda n: n,
        engine=engine,
        bare=bare,
        note=f"followed_by twice, {KEYS} keys, ~N/5 matches; bare = hand-written state machine for the pattern",
        max_repeat=1,
        warmup=0,
    )
]
