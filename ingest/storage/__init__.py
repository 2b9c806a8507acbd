"""MongoDB: the client and indexes, record writes, digests, key escaping."""
