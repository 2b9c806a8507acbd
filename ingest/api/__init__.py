"""The notebook's and the terminal's side: pull, Job, catalog, frames, record tables, the CLI."""
