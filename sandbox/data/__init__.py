"""Synthetic data sets, one module per API, deterministic from a seed and a size.

Each data set keeps a few integers per item (time, author, parent, flags) and renders an
item's JSON only when asked, caching the encoded bytes. Indexes (by tag, by author, children)
are built on first use and rebuilt after items are added.
"""
