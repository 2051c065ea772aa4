"""Stream operators: the runtime objects behind DataStream API calls (Flink's
``AbstractStreamOperator`` family). Each processes whole batches; see :mod:`.base`."""
