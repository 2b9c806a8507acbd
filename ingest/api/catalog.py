"""What can be pulled: one row per source, for `ingest.sources()` and `ingest sources`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest import connectors

if TYPE_CHECKING:
    import pandas as pd


def sources() -> pd.DataFrame:
    """Every source: its name, the API it stands for, its parameters and where its records go.
    `ingest.connectors.describe(name)` has each parameter's type, default and help."""
    import pandas as pd

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
