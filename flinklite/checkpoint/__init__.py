"""Checkpoints: Chandy-Lamport barrier snapshots for exactly-once recovery (Flink's
``org.apache.flink.runtime.checkpoint`` and ``streaming.runtime.io.checkpointing``).

- :mod:`.barriers` — the barrier and cancel-marker events that travel in band with records.
- :mod:`.barrier_handler` — what a task does when barriers arrive: aligned exactly-once (one small
  class per alignment state) or at-least-once (count, never block).
- :mod:`.coordinator` — the job-level CheckpointCoordinator: trigger, collect acks, complete,
  abort, notify.
- :mod:`.restart` — restart strategies (none, fixed-delay, failure-rate, exponential-delay).
"""
