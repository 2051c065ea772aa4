"""Parquet format (PyFlink's ``pyflink.datastream.formats.parquet``): names only; flinklite reads and
writes no Parquet files.

Using any of these classes raises :class:`~flinklite.errors.UnsupportedFeature` naming the alternative;
importing them works, so programs that only mention them still load.
"""

from flinklite._unavailable import unavailable_names

__all__ = [
    "AvroParquetReaders", "AvroParquetWriters", "ParquetBulkWriters",
    "ParquetColumnarRowInputFormat",
]

(
    AvroParquetReaders, AvroParquetWriters, ParquetBulkWriters, ParquetColumnarRowInputFormat,
) = unavailable_names(
    __name__,
    __all__,
    'flinklite has no Parquet reader or writer; read and write CSV or JSON lines (FileSource '
    'with CsvReaderFormat, FileSink.for_row_format)',
    external=False,
)
