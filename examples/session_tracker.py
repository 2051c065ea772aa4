"""Demo job: per-user session tracking with event time, keyed state and timers.

Clicks arrive out of order (up to 2 s late). For every user a KeyedProcessFunction keeps the
number of clicks and the last click time in keyed ValueState, and registers an event-time timer
at ``last click + 5 s``: if no newer click arrives before the watermark passes that time, the
session is over and the timer reports it. Side output: clicks that arrive after their user's
session was already reported (late data).

The clicks are replayed at (sped-up) real time: a map sleeps between them, so the periodic
watermark (every 50 ms of processing time) advances while the job runs, and sessions close as
soon as the watermark passes their gap, not only at the end of the input.

Run it:  python examples/session_tracker.py
The same program runs on Apache Flink with ``pyflink`` in place of ``flinklite``.
"""

import time

from flinklite.common import Configuration, Duration, Types, WatermarkStrategy
from flinklite.common.watermark_strategy import TimestampAssigner
from flinklite.datastream import KeyedProcessFunction, OutputTag, RuntimeContext, StreamExecutionEnvironment
from flinklite.datastream.state import ValueStateDescriptor

SESSION_GAP_MS = 5_000
LATE = OutputTag("late-clicks", Types.TUPLE([Types.STRING(), Types.LONG(), Types.STRING()]))


class ClickTime(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[1]


class SessionTracker(KeyedProcessFunction):
    def open(self, runtime_context: RuntimeContext):
        self.clicks = runtime_context.get_state(ValueStateDescriptor("clicks", Types.LONG()))
        self.first = runtime_context.get_state(ValueStateDescriptor("first", Types.LONG()))
        self.last = runtime_context.get_state(ValueStateDescriptor("last", Types.LONG()))

    def process_element(self, value, ctx):
        user, ts, page = value
        timers = ctx.timer_service()
        if ts <= timers.current_watermark():
            yield LATE, value  # its session may already be closed
            return
        last = self.last.value()
        if last is not None:
            timers.delete_event_time_timer(last + SESSION_GAP_MS)
            if ts > last + SESSION_GAP_MS:  # the watermark has not caught up yet, the gap has
                yield self.report(user, "gap seen")
        self.clicks.update((self.clicks.value() or 0) + 1)
        self.first.update(min(ts, self.first.value() or ts))
        self.last.update(max(ts, self.last.value() or ts))
        timers.register_event_time_timer(self.last.value() + SESSION_GAP_MS)

    def on_timer(self, timestamp, ctx):
        yield self.report(ctx.get_current_key(), f"watermark {ctx.timer_service().current_watermark()}")

    def report(self, user, why):
        text = (f"session of {user}: {self.clicks.value()} clicks from t={self.first.value()} "
                f"to t={self.last.value()} (closed by {why})")
        self.clicks.clear()
        self.first.clear()
        self.last.clear()
        return text


def replay_at_real_time(click):
    time.sleep(0.1)  # one click every 100 ms of wall time
    return click


def main():
    conf = Configuration()
    conf.set_string("pipeline.auto-watermark-interval", "50 ms")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    clicks = [
        ("alice", 1_000, "/home"), ("bob", 1_500, "/home"), ("alice", 3_000, "/cart"),
        ("bob", 2_000, "/search"), ("alice", 2_500, "/item/7"), ("carol", 9_000, "/home"),
        ("alice", 14_000, "/home"), ("bob", 15_000, "/home"), ("carol", 11_000, "/help"),
        ("alice", 30_000, "/checkout"), ("bob", 26_000, "/home"), ("carol", 10_000, "/late!"),
    ]
    stream = env.from_collection(clicks, type_info=Types.TUPLE([Types.STRING(), Types.LONG(), Types.STRING()]))
    sessions = (stream
                .map(replay_at_real_time, output_type=stream.get_type()).set_parallelism(1)
                .assign_timestamps_and_watermarks(
                    WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(2))
                    .with_timestamp_assigner(ClickTime())).set_parallelism(1)
                .key_by(lambda click: click[0], key_type=Types.STRING())
                .process(SessionTracker(), output_type=Types.STRING()))
    sessions.print()
    sessions.get_side_output(LATE).map(lambda c: f"late click: {c}", output_type=Types.STRING()).print()
    env.execute("session tracker")


if __name__ == "__main__":
    main()
