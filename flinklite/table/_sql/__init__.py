"""Internals of flinklite's SQL engine: the Flink dialect for sqlglot (``dialect``), the
expression compiler (``expr``), the planner (``planner``) and the SQL operators (``operators``).
Imported lazily by ``flinklite.table`` so plain DataStream jobs never import sqlglot."""
