"""Flink SQL as a sqlglot dialect.

sqlglot's default dialect already reads most of Flink's SQL; this subclass adds what Flink has and
the default does not: ``WATERMARK FOR col AS expr`` in ``CREATE TABLE``, ``PRIMARY KEY (..) NOT
ENFORCED``, and the windowing table-valued functions ``TUMBLE/HOP/CUMULATE/SESSION`` whose
arguments are ``TABLE t [PARTITION BY ...]`` and ``DESCRIPTOR(col)``. Those arguments are parsed
into :class:`TableArg` and :class:`Descriptor` nodes the planner dispatches on.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.parser import Parser
from sqlglot.tokens import Tokenizer, TokenType

__all__ = ["Flink", "TableArg", "Descriptor", "WINDOW_TVFS", "parse", "parse_expression"]

WINDOW_TVFS = ("TUMBLE", "HOP", "CUMULATE", "SESSION")


class TableArg(exp.Expression):
    """``TABLE name [PARTITION BY col, ...]`` as a table-function argument."""

    arg_types = {"this": True, "partition_by": False}


class Descriptor(exp.Expression):
    """``DESCRIPTOR(col)``: names the time attribute column of a window TVF."""

    arg_types = {"this": True}


def _parse_window_tvf(name: str) -> Any:
    def parse(self: FlinkParser) -> exp.Expression:
        args: list = []
        while True:
            if self._match(TokenType.TABLE):
                table = self._parse_table_parts()
                partition = None
                if self._match(TokenType.PARTITION_BY):
                    # one column, or several in parentheses: PARTITION BY (a, b)
                    if self._match(TokenType.L_PAREN):
                        partition = self._parse_csv(self._parse_column)
                        self._match_r_paren()
                    else:
                        partition = [self._parse_column()]
                args.append(self.expression(TableArg(this=table, partition_by=partition)))
            elif self._curr and self._curr.text.upper() == "DESCRIPTOR":
                self._advance()
                self._match_l_paren()
                col = self._parse_column()
                self._match_r_paren()
                args.append(self.expression(Descriptor(this=col)))
            else:
                args.append(self._parse_disjunction())
            if not self._match(TokenType.COMMA):
                break
        return self.expression(exp.Anonymous(this=name, expressions=args))

    return parse


def _parse_timestamp_fn(name: str) -> Any:
    """``TIMESTAMPADD(unit, n, ts)`` / ``TIMESTAMPDIFF(unit, a, b)``: the unit is a keyword, not a
    column (sqlglot's own parsers for these follow other dialects' argument orders)."""

    def parse(self: FlinkParser) -> exp.Expression:
        unit = exp.var(self._curr.text.upper())
        self._advance()
        args: list = [unit]
        while self._match(TokenType.COMMA):
            args.append(self._parse_disjunction())
        return self.expression(exp.Anonymous(this=name, expressions=args))

    return parse


def _parse_json_value(self: FlinkParser) -> exp.Expression:
    """``JSON_VALUE(js, path [RETURNING type])``: RETURNING becomes a CAST of the STRING result."""
    args = [self._parse_disjunction()]
    while self._match(TokenType.COMMA):
        args.append(self._parse_disjunction())
    call = self.expression(exp.Anonymous(this="JSON_VALUE", expressions=args))
    if self._match_text_seq("RETURNING"):
        return self.expression(exp.Cast(this=call, to=self._parse_types()))
    return call


class FlinkParser(Parser):
    FUNCTION_PARSERS = {
        **Parser.FUNCTION_PARSERS,
        **{name: _parse_window_tvf(name) for name in WINDOW_TVFS},
        "TIMESTAMPADD": _parse_timestamp_fn("TIMESTAMPADD"),
        "JSON_VALUE": _parse_json_value,
        "TIMESTAMPDIFF": _parse_timestamp_fn("TIMESTAMPDIFF"),
    }

    CONSTRAINT_PARSERS = {
        **Parser.CONSTRAINT_PARSERS,
        "WATERMARK": lambda self: self.expression(
            exp.WatermarkColumnConstraint(
                this=self._match(TokenType.FOR) and self._parse_column(),
                expression=self._match(TokenType.ALIAS) and self._parse_disjunction(),
            )
        ),
    }

    SCHEMA_UNNAMED_CONSTRAINTS = {*Parser.SCHEMA_UNNAMED_CONSTRAINTS, "WATERMARK"}

    def _parse_primary_key(self, *args: Any, **kwargs: Any) -> Any:
        node = super()._parse_primary_key(*args, **kwargs)
        # Flink only accepts (and ignores) PRIMARY KEY ... NOT ENFORCED
        if self._match_text_seq("NOT", "ENFORCED"):
            node.set("options", [exp.var("NOT ENFORCED")])
        return node


class Flink(Dialect):
    class Tokenizer(Tokenizer):
        QUOTES = ["'"]
        IDENTIFIERS = ["`"]
        KEYWORDS = {**Tokenizer.KEYWORDS, "MATCH_RECOGNIZE": TokenType.MATCH_RECOGNIZE}
        KEYWORDS.pop("SESSION", None)

    Parser = FlinkParser


# sqlglot logs a warning when it falls back to a raw Command (SHOW ...); we handle those ourselves
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def parse(sql: str) -> list[exp.Expression]:
    """All statements of ``sql`` (semicolon separated), parsed with the Flink dialect."""
    dialect = Flink()
    return [e for e in dialect.parser().parse(dialect.tokenize(sql), sql) if e is not None]


def parse_expression(sql: str) -> exp.Expression:
    """One scalar expression (a computed column or watermark expression)."""
    dialect = Flink()
    return dialect.parser().parse_into(exp.Condition, dialect.tokenize(sql), sql)[0]
