"""Elasticsearch sink (PyFlink's ``pyflink.datastream.connectors.elasticsearch``): names only;
flinklite does not connect to Elasticsearch.

Using any of these classes raises :class:`~flinklite.errors.ConnectorNotAvailable` naming the alternative;
importing them works, so programs that only mention them still load.
"""

from flinklite._unavailable import unavailable_names

__all__ = [
    "Elasticsearch6SinkBuilder", "Elasticsearch7SinkBuilder", "ElasticsearchEmitter",
    "ElasticsearchSink", "FlushBackoffType",
]

(
    Elasticsearch6SinkBuilder, Elasticsearch7SinkBuilder, ElasticsearchEmitter, ElasticsearchSink,
    FlushBackoffType,
) = unavailable_names(
    __name__,
    __all__,
    'flinklite has no Elasticsearch connector; write with a SinkFunction calling the '
    'elasticsearch package, or with JdbcSink',
)
