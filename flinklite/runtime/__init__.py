"""The runtime: how a job graph runs inside one Python process.

Flink's vocabulary, one module per concept:

- :mod:`.graph` — StreamGraph and JobGraph: transformations become nodes, forward edges with
  equal parallelism are *chained* into one task.
- :mod:`.task` — StreamTask and OperatorChain: one task per parallel subtask of a chain.
- :mod:`.channels` — input channels and InputGates: bounded FIFOs of buffers and events.
- :mod:`.record_writer` and :mod:`.partitioners` — how records leave a task.
- :mod:`.scheduler` — the cooperative, single-threaded scheduler (Flink's mailbox loop, for all
  tasks at once).
- :mod:`.job` — runs a job: builds tasks, drives the scheduler, turns failures into errors.
- :mod:`.operators` — the stream operators behind each DataStream API call.
"""
