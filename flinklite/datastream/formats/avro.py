"""Avro format (PyFlink's ``pyflink.datastream.formats.avro``): names only; flinklite has no Avro
codec.

Using any of these classes raises :class:`~flinklite.errors.UnsupportedFeature` naming the alternative;
importing them works, so programs that only mention them still load.
"""

from flinklite._unavailable import unavailable_names

__all__ = [
    "AvroBulkWriters", "AvroInputFormat", "AvroRowDeserializationSchema",
    "AvroRowSerializationSchema", "AvroSchema", "GenericRecordAvroTypeInfo",
]

(
    AvroBulkWriters, AvroInputFormat, AvroRowDeserializationSchema, AvroRowSerializationSchema,
    AvroSchema, GenericRecordAvroTypeInfo,
) = unavailable_names(
    __name__,
    __all__,
    'flinklite has no Avro format; use the JSON or CSV formats '
    '(flinklite.datastream.formats.json / .csv)',
    external=False,
)
