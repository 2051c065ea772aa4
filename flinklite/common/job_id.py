"""``JobID`` (PyFlink's ``pyflink.common.job_id``): the identifier of one job.

Flink's JobID is 16 random bytes shown as 32 lowercase hex digits. flinklite's is the same text;
the class is a ``str`` subclass so code that treated the id as a string keeps working.
"""

from __future__ import annotations

import os

from flinklite.errors import InvalidProgramException

__all__ = ["JobID"]


class JobID(str):
    """A job's id: 32 hex digits (``str(job_id)`` gives them, as in PyFlink)."""

    def __new__(cls, hex_string: str | None = None) -> JobID:
        if hex_string is None:
            hex_string = os.urandom(16).hex()  # 16 random bytes, as Flink's; uuid would import platform
        text = str(hex_string).lower()
        if len(text) != 32 or any(c not in "0123456789abcdef" for c in text):
            raise InvalidProgramException(f"JobID: {hex_string!r} is not 32 hex digits")
        return super().__new__(cls, text)

    @staticmethod
    def generate() -> JobID:
        return JobID()

    @staticmethod
    def from_hex_string(hex_string: str) -> JobID:
        return JobID(hex_string)

    def to_hex_string(self) -> str:
        return str.__str__(self)

    def get_bytes(self) -> bytes:
        return bytes.fromhex(self)

    def __repr__(self) -> str:
        return f"JobID({str.__str__(self)!r})"
