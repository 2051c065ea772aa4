"""Small helpers shared by the unit tests (imported as ``from _helpers import ...``; pytest puts
this directory on ``sys.path``)."""

from __future__ import annotations

import time

from flinklite.common import Configuration
from flinklite.datastream import MapFunction, StreamExecutionEnvironment


def make_env(parallelism: int, **conf: str) -> StreamExecutionEnvironment:
    """An environment at ``parallelism`` with Flink configuration keys given as keyword
    arguments (``make_env(2, **{"flinklite.scheduler.seed": "3"})``)."""
    c = Configuration()
    for key, value in conf.items():
        c.set_string(key, value)
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_parallelism(parallelism)
    return env


def checkpointed_env(checkpointing: bool = True, parallelism: int = 1) -> StreamExecutionEnvironment:
    """An environment for sink tests: checkpoints every 50 ms and a fast fixed-delay restart
    (or neither, with ``checkpointing=False``)."""
    if not checkpointing:
        return make_env(parallelism)
    return make_env(parallelism, **{"execution.checkpointing.interval": "50 ms",
                                    "restart-strategy.type": "fixed-delay",
                                    "restart-strategy.fixed-delay.delay": "10 ms"})


FAILED = {"flag": False}  # module-level, because functions are copied per subtask and restart


class FailOnce(MapFunction):
    """Passes numbers through, a little slowly (so checkpoints complete meanwhile), and raises
    once, the first time it sees ``k``. Reset ``FAILED["flag"]`` before each job."""

    def __init__(self, k: int) -> None:
        self.k = k

    def map(self, v):
        time.sleep(0.002)
        if v == self.k and not FAILED["flag"]:
            FAILED["flag"] = True
            raise RuntimeError("injected failure")
        return v
