"""The ``RuntimeContext`` a user function receives in ``open()`` (Flink's
``StreamingRuntimeContext``).

Keyed state is only available when the operator runs on a keyed stream; asking for it anywhere
else fails with a message that says to ``key_by`` first, at ``open()`` time, before any record.
"""

from __future__ import annotations

from typing import Any

from flinklite.datastream.functions import RuntimeContext
from flinklite.errors import InvalidProgramException

__all__ = ["StreamingRuntimeContext"]


class StreamingRuntimeContext(RuntimeContext):
    def __init__(self, operator) -> None:
        self._op = operator

    @property
    def _ctx(self):
        return self._op.ctx

    def get_task_name(self) -> str:
        return self._ctx.task_name

    def get_number_of_parallel_subtasks(self) -> int:
        return self._ctx.parallelism

    def get_max_number_of_parallel_subtasks(self) -> int:
        return self._ctx.max_parallelism

    def get_index_of_this_subtask(self) -> int:
        return self._ctx.subtask_index

    def get_attempt_number(self) -> int:
        return self._ctx.attempt_number

    def get_task_name_with_subtasks(self) -> str:
        c = self._ctx
        return f"{c.task_name} ({c.subtask_index + 1}/{c.parallelism})#{c.attempt_number}"

    def get_job_parameter(self, key: str, default_value: str) -> str:
        return self._ctx.job_parameters.get(key, default_value)

    def get_metrics_group(self) -> Any:
        """The operator's metric group (Flink's ``OperatorMetricGroup``)."""
        group = getattr(self._op, "_metric_group", None)
        if group is None:  # an inner operator (a reduce's delegate) shares its node's group
            task = self._ctx.task if self._op.ctx is not None else None
            node = getattr(self._op, "node", None)
            if task is not None and node is not None:
                outer = task.op_of.get(node.id)
                group = getattr(outer, "_metric_group", None)
        if group is None:  # an operator run outside a deployed task (tests, harnesses)
            from flinklite.metrics import MetricGroup

            group = self._op._metric_group = MetricGroup(self._op.name or "operator")
        return group

    def _backend(self, descriptor) -> Any:
        backend = self._op.keyed_backend
        if backend is None:
            raise InvalidProgramException(
                f"{self._op.describe()}: keyed state '{getattr(descriptor, 'name', descriptor)}' can only "
                "be used on a keyed stream. Call key_by(...) before this operator (for example "
                "ds.key_by(lambda v: v[0]).process(...)), or keep the value in a plain attribute "
                "if it need not be per key."
            )
        return backend

    def get_state(self, state_descriptor):
        return self._checked(state_descriptor, "value")

    def get_list_state(self, state_descriptor):
        return self._checked(state_descriptor, "list")

    def get_map_state(self, state_descriptor):
        return self._checked(state_descriptor, "map")

    def get_reducing_state(self, state_descriptor):
        return self._checked(state_descriptor, "reducing")

    def get_aggregating_state(self, state_descriptor):
        return self._checked(state_descriptor, "aggregating")

    def _checked(self, descriptor, kind: str):
        backend = self._backend(descriptor)
        if getattr(descriptor, "kind", None) != kind:
            raise InvalidProgramException(
                f"{self._op.describe()}: get_{'' if kind == 'value' else kind + '_'}state needs a "
                f"{kind.capitalize()}StateDescriptor, got {type(descriptor).__name__}"
            )
        return backend.get_or_create_state(descriptor)
