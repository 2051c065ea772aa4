"""Exactly-once output to files, through a failure.

Numbers 0..1999 flow through a keyed running count into a ``FileSink``. Checkpoints run every
50 ms; ``flinklite.testing.FaultPlan`` crashes the map at its 1200th record, and the fixed-delay
restart strategy restarts the job from the latest checkpoint. The sink writes hidden in-progress
files, turns them into pending files at each checkpoint and publishes them only when the
checkpoint completes, so the finished files end up with every record exactly once: no loss from
the crash, no duplicates from the replay.

Run it:  python examples/exactly_once_files.py
(The FileSink, checkpoint and restart configuration are PyFlink's API; the fault plan is
flinklite's testing toolkit.)
"""

import os
import tempfile
import time

from flinklite.common import Configuration, Types, WatermarkStrategy
from flinklite.common.serialization import Encoder
from flinklite.datastream import KeyedProcessFunction, RuntimeContext, StreamExecutionEnvironment
from flinklite.datastream.connectors.file_system import FileSink, OutputFileConfig, RollingPolicy
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.state import ValueStateDescriptor
from flinklite.testing import FaultPlan


class RunningCount(KeyedProcessFunction):
    def open(self, runtime_context: RuntimeContext):
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))

    def process_element(self, value, ctx):
        n = (self.count.value() or 0) + 1
        self.count.update(n)
        yield f"{value[0]},{value[1]},{n}"


def slow(v):
    time.sleep(0.0005)  # long enough for a few checkpoints to complete during the job
    return (f"k{v % 4}", v)


def main():
    out_dir = tempfile.mkdtemp(prefix="flinklite-files-")
    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "50 ms")
    conf.set_string("restart-strategy.type", "fixed-delay")
    conf.set_string("restart-strategy.fixed-delay.attempts", "3")
    conf.set_string("restart-strategy.fixed-delay.delay", "10 ms")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)

    sink = (FileSink.for_row_format(out_dir, Encoder.simple_string_encoder())
            .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy())
            .with_output_file_config(OutputFileConfig.builder().with_part_prefix("counts").build())
            .build())
    (env.from_source(NumberSequenceSource(0, 1999), WatermarkStrategy.no_watermarks(), "numbers")
        .map(slow).name("slow map")
        .key_by(lambda kv: kv[0])
        .process(RunningCount(), output_type=Types.STRING())
        .sink_to(sink))
    plan = FaultPlan().fail_operator("slow map", at_record=1200)
    plan.install(env)
    env.execute("exactly-once files")

    lines = []
    for root, _, files in os.walk(out_dir):
        for name in files:
            if not name.startswith("."):  # hidden = in progress: never visible to readers
                with open(os.path.join(root, name)) as f:
                    lines += f.read().splitlines()
    values = sorted(int(line.split(",")[1]) for line in lines)
    print(f"faults fired: {[str(f) for f in plan.fired]}")
    print(f"finished part files under {out_dir}: {len(lines)} lines")
    print(f"every number exactly once: {values == list(range(2000))}")
    per_key = {}
    for line in lines:
        key, _, n = line.split(",")
        per_key[key] = max(per_key.get(key, 0), int(n))
    print(f"final running count per key: {dict(sorted(per_key.items()))}")


if __name__ == "__main__":
    main()
