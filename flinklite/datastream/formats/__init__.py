"""Record formats (PyFlink's ``pyflink.datastream.formats``): ``csv`` and ``json`` work in
flinklite; ``avro``, ``orc`` and ``parquet`` exist by name and raise
:class:`~flinklite.errors.UnsupportedFeature` (naming the alternative) when used. Import the
submodules (``from flinklite.datastream.formats.csv import CsvSchema``), as in PyFlink."""

__all__: list[str] = []
