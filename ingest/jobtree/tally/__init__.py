"""The live tally of every job's tree, in Redis (see `redis_tally`)."""

from ingest.jobtree.tally.redis_tally import Counts, Move, RedisTally, TallyNode

__all__ = ["Counts", "Move", "RedisTally", "TallyNode"]
