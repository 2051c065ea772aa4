"""``StreamExecutionEnvironment`` (PyFlink's ``pyflink.datastream.stream_execution_environment``):
where a job is assembled and submitted.

``get_execution_environment()`` gives a local environment that runs jobs in this process.
Settings come from the ``Configuration`` passed in (Flink's configuration keys, e.g.
``parallelism.default``, ``pipeline.auto-watermark-interval``, ``execution.runtime-mode``,
``execution.buffer-timeout.interval``) and from the setters, which win when called later.

Default parallelism is the number of CPU cores, as in a local Flink mini-cluster. PyFlink's
Python-environment calls (``add_python_file``, ``set_python_executable``, ``add_jars``, ...) are
accepted and ignored: flinklite runs your functions in this interpreter.
"""

from __future__ import annotations

import os
from typing import Any

from flinklite.common.configuration import Configuration, parse_bool, parse_duration_ms
from flinklite.common.execution_config import ExecutionConfig
from flinklite.datastream._transformations import SourceTransformation, Transformation
from flinklite.datastream.execution_mode import RuntimeExecutionMode
from flinklite.errors import InvalidProgramException
from flinklite.state.key_groups import UPPER_BOUND_MAX_PARALLELISM
from flinklite.time.clock import Clock, ManualClock, SystemClock

__all__ = ["StreamExecutionEnvironment"]


def _local_path(value: str | None, key: str) -> str | None:
    """A checkpoint/savepoint location: a plain path or a ``file://`` URI (Flink's usual form)."""
    if value is None:
        return None
    if value.startswith("file://"):
        return value[len("file://"):] or "/"
    if "://" in value:
        raise InvalidProgramException(
            f"{key}: {value!r} is not on the local file system; flinklite stores checkpoints in local "
            "directories (a plain path or a file:// URI)."
        )
    return value


def _mode(value: Any) -> RuntimeExecutionMode:
    if isinstance(value, RuntimeExecutionMode):
        return value
    try:
        return RuntimeExecutionMode[str(value).strip().upper()]
    except KeyError:
        raise InvalidProgramException(
            f"execution.runtime-mode must be STREAMING, BATCH or AUTOMATIC, got {value!r}"
        ) from None


class StreamExecutionEnvironment:
    def __init__(self, configuration: Configuration | None = None) -> None:
        self._configuration = Configuration(configuration) if configuration is not None else Configuration()
        from flinklite._context import apply_context

        apply_context(self._configuration)  # `flinklite run -p/-s/-D` defaults
        self._config = ExecutionConfig(self)
        self._parallelism = os.cpu_count() or 1
        self._max_parallelism = -1
        self._runtime_mode = RuntimeExecutionMode.STREAMING
        self._buffer_timeout = 100
        self._chaining = True
        self._clock: Clock | None = None
        self._transformations: list[Transformation] = []
        self._checkpoint_config: Any = None
        self._apply_configuration(self._configuration)

    # -- construction & configuration --------------------------------------------------------
    @staticmethod
    def get_execution_environment(configuration: Configuration | None = None) -> StreamExecutionEnvironment:
        return StreamExecutionEnvironment(configuration)

    def configure(self, configuration: Configuration) -> StreamExecutionEnvironment:
        self._configuration.add_all(configuration)
        self._apply_configuration(configuration)
        return self

    def _apply_configuration(self, conf: Configuration) -> None:
        get = conf.get_string
        if (v := get("parallelism.default", None)) is not None:
            self.set_parallelism(int(v))
        if (v := get("pipeline.max-parallelism", None)) is not None:
            self._max_parallelism = int(v)
        if (v := get("execution.runtime-mode", None)) is not None:
            self._runtime_mode = _mode(v)
        if (v := get("pipeline.auto-watermark-interval", None)) is not None:
            self._config.set_auto_watermark_interval(parse_duration_ms(v))
        for key in ("execution.buffer-timeout", "execution.buffer-timeout.interval"):
            if (v := get(key, None)) is not None:
                self._buffer_timeout = parse_duration_ms(v)
        if (v := get("execution.buffer-timeout.enabled", None)) is not None and not parse_bool(v):
            self._buffer_timeout = -1
        for key in ("pipeline.operator-chaining", "pipeline.operator-chaining.enabled"):
            if (v := get(key, None)) is not None:
                self._chaining = parse_bool(v)
        if (v := get("pipeline.global-job-parameters", None)) is not None:
            params = {}
            for part in filter(None, (p.strip() for p in v.split(","))):
                k, _, val = part.partition(":")
                params[k.strip()] = val.strip()
            self._config.set_global_job_parameters(params)

    def get_config(self) -> ExecutionConfig:
        return self._config

    def set_parallelism(self, parallelism: int) -> StreamExecutionEnvironment:
        if not isinstance(parallelism, int) or parallelism < 1:
            raise InvalidProgramException(f"parallelism must be a positive int, got {parallelism!r}")
        self._parallelism = parallelism
        return self

    def get_parallelism(self) -> int:
        return self._parallelism

    def set_max_parallelism(self, max_parallelism: int) -> StreamExecutionEnvironment:
        if not isinstance(max_parallelism, int) or not 0 < max_parallelism <= UPPER_BOUND_MAX_PARALLELISM:
            raise InvalidProgramException(
                f"max parallelism must be between 1 and {UPPER_BOUND_MAX_PARALLELISM}, got {max_parallelism!r}"
            )
        self._max_parallelism = max_parallelism
        return self

    def get_max_parallelism(self) -> int:
        return self._max_parallelism

    def set_runtime_mode(self, execution_mode: RuntimeExecutionMode) -> StreamExecutionEnvironment:
        self._runtime_mode = _mode(execution_mode)
        return self

    def set_buffer_timeout(self, timeout_millis: int) -> StreamExecutionEnvironment:
        if timeout_millis < -1:
            raise InvalidProgramException(f"buffer timeout must be >= -1 ms, got {timeout_millis}")
        self._buffer_timeout = int(timeout_millis)
        return self

    def get_buffer_timeout(self) -> int:
        return self._buffer_timeout

    def disable_operator_chaining(self) -> StreamExecutionEnvironment:
        self._chaining = False
        return self

    def is_chaining_enabled(self) -> bool:
        return self._chaining

    # -- checkpointing ------------------------------------------------------------------------
    def enable_checkpointing(self, interval: int, mode: Any = None) -> StreamExecutionEnvironment:
        cfg = self.get_checkpoint_config()
        cfg.set_checkpoint_interval(interval)
        if mode is not None:
            cfg.set_checkpointing_mode(mode)
        return self

    def get_checkpoint_config(self):
        from flinklite.datastream.checkpoint_config import CheckpointConfig

        return CheckpointConfig(self._configuration)

    def get_checkpoint_interval(self) -> int:
        return self.get_checkpoint_config().get_checkpoint_interval()

    def _checkpoint_settings(self):
        from flinklite.checkpoint.coordinator import CheckpointSettings

        cfg = self.get_checkpoint_config()
        get = self._configuration.get_string
        return CheckpointSettings(
            interval_ms=cfg.get_checkpoint_interval() if cfg.is_checkpointing_enabled() else None,
            exactly_once=cfg.get_checkpointing_mode().name == "EXACTLY_ONCE",
            timeout_ms=cfg.get_checkpoint_timeout(),
            min_pause_ms=cfg.get_min_pause_between_checkpoints(),
            max_concurrent=cfg.get_max_concurrent_checkpoints(),
            tolerable_failures=cfg.get_tolerable_checkpoint_failure_number(),
            num_retained=int(get("execution.checkpointing.num-retained", "1")),
        )

    def set_clock(self, clock: Clock) -> StreamExecutionEnvironment:
        """flinklite only: the processing-time clock jobs of this environment run on (for tests,
        a :class:`~flinklite.time.clock.ManualClock`)."""
        self._clock = clock
        return self

    # -- PyFlink's Python-environment setup: nothing to do in one interpreter ----------------
    def add_python_file(self, file_path: str) -> None:
        pass

    def set_python_requirements(self, requirements_file_path: str, requirements_cache_dir: str | None = None) -> None:
        pass

    def add_python_archive(self, archive_path: str, target_dir: str | None = None) -> None:
        pass

    def set_python_executable(self, python_exec: str) -> None:
        pass

    def add_jars(self, *jars_path: str) -> None:
        pass

    def add_classpaths(self, *classpaths: str) -> None:
        pass

    def register_cached_file(self, file_path: str, name: str, executable: bool = False) -> None:
        pass

    # -- the rest of PyFlink 2.3's environment API ---------------------------------------------
    def register_slot_sharing_group(self, slot_sharing_group: Any) -> StreamExecutionEnvironment:
        """Register a group's resource profile. flinklite keeps it (one process: nothing to reserve)."""
        from flinklite.datastream.slot_sharing_group import SlotSharingGroup

        if not isinstance(slot_sharing_group, SlotSharingGroup):
            raise InvalidProgramException(
                f"register_slot_sharing_group needs a SlotSharingGroup (SlotSharingGroup.builder(name)...build()), "
                f"got {slot_sharing_group!r}")
        self.__dict__.setdefault("_slot_sharing_groups", {})[slot_sharing_group.get_name()] = slot_sharing_group
        return self

    def is_chaining_of_operators_with_different_max_parallelism_enabled(self) -> bool:
        return parse_bool(self._configuration.get_string(
            "pipeline.operator-chaining.chain-operators-with-different-max-parallelism", "true") or "true")

    def get_checkpointing_mode(self):
        return self.get_checkpoint_config().get_checkpointing_mode()

    def get_checkpointing_consistency_mode(self):
        return self.get_checkpoint_config().get_checkpointing_mode()

    def set_state_backend(self, state_backend: Any) -> StreamExecutionEnvironment:
        """Use ``state_backend`` (HashMapStateBackend or EmbeddedRocksDBStateBackend) for keyed
        state: writes its settings to the configuration (``state.backend.type``, ...)."""
        from flinklite.datastream.state_backend import StateBackend

        if not isinstance(state_backend, StateBackend):
            raise InvalidProgramException(
                f"set_state_backend expects HashMapStateBackend() or EmbeddedRocksDBStateBackend(), got "
                f"{type(state_backend).__name__}")
        state_backend._configure(self._configuration)
        self._state_backend = state_backend
        return self

    def get_state_backend(self) -> Any:
        from flinklite.datastream.state_backend import EmbeddedRocksDBStateBackend, HashMapStateBackend
        from flinklite.state.backends import backend_type

        chosen = getattr(self, "_state_backend", None)
        kind = backend_type(self._configuration.to_dict())
        if chosen is not None and chosen._type == kind:
            return chosen
        if kind == "rocksdb":
            inc = self._configuration.get_string("execution.checkpointing.incremental", None)
            return EmbeddedRocksDBStateBackend(parse_bool(inc) if inc is not None else None)
        return HashMapStateBackend()

    def enable_changelog_state_backend(self, enabled: bool) -> StreamExecutionEnvironment:
        """Accepted and recorded: the changelog only speeds up Flink's checkpoints (same results)."""
        self._configuration.set_string("state.changelog.enabled", "true" if enabled else "false")
        return self

    def is_changelog_state_backend_enabled(self) -> bool:
        return parse_bool(self._configuration.get_string("state.changelog.enabled", "false") or "false")

    def set_default_savepoint_directory(self, directory: str) -> StreamExecutionEnvironment:
        _local_path(directory, "execution.checkpointing.savepoint-dir")
        self._configuration.set_string("execution.checkpointing.savepoint-dir", directory)
        return self

    def get_default_savepoint_directory(self) -> str | None:
        get = self._configuration.get_string
        return get("execution.checkpointing.savepoint-dir", None) or get("state.savepoints.dir", None)

    @staticmethod
    def get_default_local_parallelism() -> int:
        return os.cpu_count() or 1

    @staticmethod
    def set_default_local_parallelism(parallelism: int) -> None:
        """Flink sets the default of local environments created later; flinklite's default is the
        core count and a job's parallelism comes from ``set_parallelism`` or the configuration."""
        if not isinstance(parallelism, int) or parallelism < 1:
            raise InvalidProgramException(f"parallelism must be a positive int, got {parallelism!r}")

    def create_input(self, input_format: Any, type_info: Any = None):
        from flinklite.errors import UnsupportedFeature

        raise UnsupportedFeature(
            "create_input reads a Java InputFormat, which flinklite cannot run; use "
            "env.from_source(FileSource.for_record_stream_format(StreamFormat.text_line_format(), path).build(), "
            "WatermarkStrategy.no_watermarks(), 'files') or a CSV/JSON StreamFormat instead")

    def is_unaligned_checkpoints_enabled(self) -> bool:
        return self.get_checkpoint_config().is_unaligned_checkpoints_enabled()

    def is_force_unaligned_checkpoints(self) -> bool:
        return self.get_checkpoint_config().is_force_unaligned_checkpoints()

    def close(self) -> None:
        """Drop the operators added since the last ``execute`` (PyFlink closes its Java gateway here)."""
        self._transformations = []

    # -- sources ------------------------------------------------------------------------------
    def from_collection(self, collection: Any, type_info: Any = None):
        from flinklite.datastream.connectors.collection import CollectionSource, materialize
        from flinklite.datastream.data_stream import DataStream

        data = materialize(collection)
        if type_info is not None:
            from flinklite.common._typecheck import batch_collection_coercer

            try:
                data = batch_collection_coercer(type_info)(data)
            except TypeError:
                coerce = getattr(type_info, "_coerce_from_collection", None) or type_info._coerce
                for i, v in enumerate(data):  # name the first element that does not fit
                    try:
                        coerce(v)
                    except TypeError as e:
                        raise InvalidProgramException(f"from_collection: element {i}: {e}") from e
                raise
        t = SourceTransformation("Source: Collection Source", CollectionSource(data), None, type_info)
        if type_info is not None:
            from flinklite.common._typecheck import immutable_in_shape

            # Already converted above: an exchange right after the source need not check again.
            t.records_in_shape = immutable_in_shape(type_info)
        self._add(t)
        return DataStream(self, t)

    def from_source(self, source: Any, watermark_strategy: Any, source_name: str, type_info: Any = None):
        from flinklite.datastream.connectors.base import Source, ensure_usable
        from flinklite.datastream.data_stream import DataStream

        ensure_usable(source)
        if not isinstance(source, Source):
            raise InvalidProgramException(
                f"from_source needs a flinklite Source (e.g. NumberSequenceSource, FileSource), got "
                f"{type(source).__name__}"
            )
        t = SourceTransformation(f"Source: {source_name}", source, watermark_strategy, type_info)
        self._add(t)
        return DataStream(self, t)

    def add_source(self, source_func: Any, source_name: str = "Custom Source", type_info: Any = None):
        from flinklite.datastream.connectors.base import Source, ensure_usable

        ensure_usable(source_func)
        if isinstance(source_func, Source):
            from flinklite.common.watermark_strategy import WatermarkStrategy

            return self.from_source(source_func, WatermarkStrategy.no_watermarks(), source_name, type_info)
        raise InvalidProgramException(
            "add_source takes Java SourceFunctions in PyFlink, which flinklite cannot run; use "
            "from_source(...) with a flinklite Source, or from_collection(...)."
        )

    def _add(self, t: Transformation) -> None:
        self._transformations.append(t)

    # -- execution ----------------------------------------------------------------------------
    def _settings(self):
        from flinklite.runtime.settings import ExecutionSettings

        get = self._configuration.get_string
        seed = get("flinklite.scheduler.seed", None)
        clock = self._clock
        if clock is None:
            clock = ManualClock(0) if (get("flinklite.clock", "system") or "system").lower() == "manual" \
                else SystemClock()
        buffer_size = int(get("flinklite.buffer-size", "1024"))
        checkpointing = self._checkpoint_settings()
        from flinklite.checkpoint.restart import restart_strategy_from_config

        restart = restart_strategy_from_config(self._configuration.to_dict(), checkpointing.interval_ms is not None)
        def first(*keys: str) -> str | None:
            for k in keys:
                v = get(k, None)
                if v is not None:
                    return v
            return None

        retention = (first("execution.checkpointing.externalized-checkpoint-retention")
                     or "NO_EXTERNALIZED_CHECKPOINTS").strip().upper()
        return ExecutionSettings(
            checkpoint_dir=_local_path(first("execution.checkpointing.dir", "state.checkpoints.dir"),
                                       "state.checkpoints.dir"),
            savepoint_dir=_local_path(first("execution.checkpointing.savepoint-dir", "state.savepoints.dir"),
                                      "state.savepoints.dir"),
            restore_path=_local_path(first("execution.state-recovery.path", "execution.savepoint.path"),
                                     "execution.state-recovery.path"),
            ignore_unclaimed_state=parse_bool(first("execution.state-recovery.ignore-unclaimed-state",
                                                    "execution.savepoint.ignore-unclaimed-state") or "false"),
            checkpoint_retention=retention,
            allow_pickle=parse_bool(get("flinklite.state.allow-pickle", "false") or "false"),
            checkpointing=checkpointing,
            restart_strategy=restart,
            parallelism=self._parallelism,
            max_parallelism=self._max_parallelism,
            runtime_mode=self._runtime_mode,
            auto_watermark_interval=self._config.get_auto_watermark_interval(),
            buffer_timeout=self._buffer_timeout,
            buffer_size=buffer_size,
            source_batch_size=buffer_size,
            channel_capacity=int(get("flinklite.channel-capacity", str(4 * buffer_size))),
            chaining_enabled=self._chaining,
            seed=int(seed) if seed is not None else None,
            clock=clock,
            job_parameters=self._config.get_global_job_parameters(),
            raw=self._configuration.to_dict(),
            fault_plan=getattr(self, "_fault_plan", None),
        )

    def _create_job(self, job_name: str | None, extra: list[Transformation] | None = None):
        from flinklite.runtime.graph import build_job_graph
        from flinklite.runtime.job import LocalJob

        transformations = self._transformations + (extra or [])
        settings = self._settings()
        graph = build_job_graph(transformations, settings, job_name or "Flink Streaming Job")
        self._transformations = []
        return LocalJob(graph, settings, os.urandom(16).hex())  # not uuid: it imports platform

    def execute(self, job_name: str | None = None):
        job = self._create_job(job_name)
        job.start()
        return job.run_to_completion()

    def execute_async(self, job_name: str = "Flink Streaming Job"):
        from flinklite.common.job_client import JobClient

        job = self._create_job(job_name)
        return JobClient.start(job)

    def get_execution_plan(self) -> str:
        from flinklite.runtime.graph import build_job_graph

        return build_job_graph(self._transformations, self._settings()).describe()

