"""The live tally of every job's tree, in Redis (see `store`)."""

from ingest.jobtree.tally.redis_tally import LIVE_STATES, Counts, Move, RedisTally, TallyNode

__all__ = ["LIVE_STATES", "Counts", "Move", "RedisTally", "TallyNode"]
