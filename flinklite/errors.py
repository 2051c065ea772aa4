"""The one exception hierarchy of flinklite.

Flink reports failures through a handful of Java exceptions; PyFlink surfaces them as
``Py4JJavaError`` wrappers. flinklite raises plain Python exceptions whose *names* follow Flink
(so a Flink user recognises them) and whose *messages* say what went wrong, where (operator
name and uid, subtask, record) and what to do about it::

    FlinkliteError                      base of everything flinklite raises on purpose
    +-- InvalidProgramException         the program is wrong; raised while the job is built or opened
    |   +-- TableException              a Table API / SQL program cannot be planned
    |       +-- ValidationException     unknown column/table/function or a type error in SQL
    +-- IllegalStateException           an API called where it is not allowed (e.g. a timer in a
    |                                   non-keyed function, a write to read-only broadcast state)
    +-- JobExecutionException           the job failed while running; ``__cause__`` is the user's
    |   |                               exception with its traceback
    |   +-- JobCancellationException    the job was cancelled
    +-- KeySelectionError               a key selector returned a key flinklite cannot partition on
    +-- UnsupportedFeature              a PyFlink API flinklite knows but cannot run (yet); the
        |                               message names the alternative
        +-- ConnectorNotAvailable       a connector to an external system (Kafka, JDBC, ...):
                                        importable and configurable, not runnable

User exceptions are never swallowed: they arrive as the ``__cause__`` of a
``JobExecutionException``, so ``raise ... from`` chains show the user's traceback first.
"""

from __future__ import annotations

__all__ = [
    "FlinkliteError",
    "InvalidProgramException",
    "IllegalStateException",
    "JobExecutionException",
    "JobCancellationException",
    "KeySelectionError",
    "TableException",
    "ValidationException",
    "UnsupportedFeature",
    "ConnectorNotAvailable",
]


class FlinkliteError(Exception):
    """Base class of every exception flinklite raises on purpose."""


class InvalidProgramException(FlinkliteError, ValueError):
    """The job as written cannot run: fix the program (the message says how)."""


class IllegalStateException(FlinkliteError, RuntimeError):
    """An API was used in a context that does not allow it."""


class KeySelectionError(FlinkliteError, TypeError):
    """A key selector returned a key that cannot be hashed deterministically."""


class TableException(InvalidProgramException):
    """A Table API / SQL program cannot be planned or run as written (Flink's ``TableException``)."""


class ValidationException(TableException):
    """A SQL statement or Table API call failed validation before any job started (Flink's
    ``ValidationException``): an unknown column, table or function, or a type error. The message
    names the position in the statement (``line 3, column 12``) when there is one."""


class JobExecutionException(FlinkliteError, RuntimeError):
    """The job failed while running.

    Attributes name where it failed so that tools need not parse the message.
    """

    def __init__(
        self,
        message: str,
        *,
        operator_name: str | None = None,
        operator_uid: str | None = None,
        subtask_index: int | None = None,
        record: object = None,
    ) -> None:
        super().__init__(message)
        self.operator_name = operator_name
        self.operator_uid = operator_uid
        self.subtask_index = subtask_index
        self.record = record
        self.num_restarts = 0  # restarts the job made before this failure ended it


class JobCancellationException(JobExecutionException):
    """The job was cancelled before it finished."""


class UnsupportedFeature(FlinkliteError, NotImplementedError):
    """A PyFlink API that flinklite provides by name but cannot run.

    Raised when the feature is *used* (constructed, built, or put into a job), never at import
    time, so a PyFlink program that merely imports the name still loads. The message names what
    to use instead.
    """


class ConnectorNotAvailable(UnsupportedFeature):
    """A connector to an external system that this process cannot reach (yet).

    Its builders validate and keep their configuration (so programs can be written and tested
    for that part); putting the connector into a job raises this error.
    """
