"""Internals of flinklite's SQL engine: the Flink dialect for sqlglot (``dialect``), the
expression compiler (``expr``), the planner (``planner``) and the SQL operators (``operators``).
Imported lazily by ``flinklite.table`` so plain DataStream jobs never import sqlglot."""

try:
    import sqlglot as _sqlglot  # noqa: F401 - probe for the optional dependency
except ImportError as _e:  # pragma: no cover - exercised only without the extra installed
    from flinklite.errors import UnsupportedFeature

    raise UnsupportedFeature("flinklite's Table API / SQL parses Flink SQL with sqlglot, which is not installed: "
                             "pip install 'flinklite[sql]' (or pip install 'sqlglot>=30')") from _e
