"""ORC format (PyFlink's ``pyflink.datastream.formats.orc``): names only; flinklite writes no ORC
files.

Using any of these classes raises :class:`~flinklite.errors.UnsupportedFeature` naming the alternative;
importing them works, so programs that only mention them still load.
"""

from flinklite._unavailable import unavailable_names

__all__ = [
    "OrcBulkWriters",
]

(OrcBulkWriters,) = unavailable_names(
    __name__,
    __all__,
    'flinklite has no ORC writer; write CSV or JSON lines with FileSink.for_row_format',
    external=False,
)
