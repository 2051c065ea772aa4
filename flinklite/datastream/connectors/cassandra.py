"""Apache Cassandra sink (PyFlink's ``pyflink.datastream.connectors.cassandra``): names only; flinklite
does not connect to Cassandra.

Using any of these classes raises :class:`~flinklite.errors.ConnectorNotAvailable` naming the alternative;
importing them works, so programs that only mention them still load.
"""

from flinklite._unavailable import unavailable_names

__all__ = [
    "CassandraCommitter", "CassandraFailureHandler", "CassandraSink", "ClusterBuilder",
    "ConsistencyLevel", "MapperOptions",
]

(
    CassandraCommitter, CassandraFailureHandler, CassandraSink, ClusterBuilder, ConsistencyLevel,
    MapperOptions,
) = unavailable_names(
    __name__,
    __all__,
    'flinklite has no Cassandra connector; write with JdbcSink (PostgreSQL) or a SinkFunction '
    'calling the cassandra-driver package',
)
