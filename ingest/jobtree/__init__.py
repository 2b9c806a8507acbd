"""A job's dependency tree: node and job states, node documents, the tally, completion, the ResultSet."""
