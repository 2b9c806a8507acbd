"""What can be pulled: one row per source, for `ingest.sources()` and `ingest sources`."""

from __future__ import annotations

import pandas as pd

from ingest import connectors


def sources() -> pd.DataFrame:
    """Every source: its name, the API it stands for, its parameters and where its records go.
    `ingest.connectors.describe(name)` has each parameter's type, default and help."""
    rows = []
    for name in connectors.names():
        connector = connectors.get(name)
        rows.append({
            "source": name,
            "base_url": connector.default_base_url,
            "parameters": ", ".join(param.name for param in connector.params),
            "collections": ", ".join(collection.name for collection in connector.collections),
        })
    return pd.DataFrame(rows).set_index("source")
