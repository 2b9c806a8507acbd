"""`ingest export`: a job's records to files, one per collection, never over an existing file.

    ingest export JOB                                  # every collection holding the job's records
    ingest export JOB --collection reddit_comments     # that one
    ingest export JOB --output out/ --format csv       # into a folder
    ingest export JOB --collection hn_items --output items.csv --force

A default name is `data/exports/<job>.<collection>.<format>`. A file that exists is written over
only with `--force`; without it nothing is written. Each file is written beside its target and
moved into place once complete, so a failed export leaves no half file behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ingest.errors import ParameterError

WRITERS = {
    "parquet": lambda table, path: table.to_parquet(path, index=False),
    "csv": lambda table, path: table.to_csv(path, index=False),
    "jsonl": lambda table, path: table.to_json(path, orient="records", lines=True, date_format="iso"),
}


def chosen_tables(frames: dict[str, pd.DataFrame], collection: str | None) -> dict[str, pd.DataFrame]:
    """The tables to write: the one asked for, else every collection holding records of the job
    (the main collection, empty, when none does)."""
    if collection is not None:
        return {collection: frames[collection]}
    holding = {name: table for name, table in frames.items() if len(table)}
    if holding:
        return holding
    main = next(iter(frames))
    return {main: frames[main]}


def targets(job_id: str, collections: list[str], file_format: str, output: str | None,
            exports_dir: Path) -> dict[str, Path]:
    """Where each collection goes: `output` is the file for a single collection, or a folder
    (an existing one, or a path ending in '/')."""
    if output is None:
        return {name: exports_dir / f"{job_id}.{name}.{file_format}" for name in collections}
    path = Path(output)
    if path.is_dir() or output.endswith(("/", os.sep)):
        return {name: path / f"{job_id}.{name}.{file_format}" for name in collections}
    if len(collections) > 1:
        raise ParameterError(
            f"job {job_id} has records in {len(collections)} collections ({', '.join(collections)}); "
            f"--output {output} names one file: pass --collection NAME, or --output a folder ending in '/'")
    return {collections[0]: path}


def refuse_overwrite(paths: list[Path]) -> None:
    existing = [path for path in paths if path.exists()]
    if existing:
        raise ParameterError(f"{existing[0]} exists; nothing written. Pass --force to write over "
                             f"{'it' if len(existing) == 1 else f'it and {len(existing) - 1} other file(s)'}, "
                             "or --output another name")


def write(table: pd.DataFrame, target: Path, file_format: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        WRITERS[file_format](table, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def export_job(job, file_format: str, collection: str | None, output: str | None, force: bool,
               exports_dir: Path) -> list[str]:
    """Write the job's tables; answers one line per file written."""
    frames = job.frames() if collection is None else {collection: job.frame(collection)}
    tables = chosen_tables(frames, collection)
    paths = targets(job.id, list(tables), file_format, output, exports_dir)
    if not force:
        refuse_overwrite(list(paths.values()))
    lines = []
    for name, table in tables.items():
        write(table, paths[name], file_format)
        lines.append(f"{len(table):>9,} rows of {name:<20} {paths[name]}")
    skipped = [name for name in frames if name not in tables]
    if skipped:
        lines.append(f"no records of {job.id} in {', '.join(skipped)}: no file")
    return lines
