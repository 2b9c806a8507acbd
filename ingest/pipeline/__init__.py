"""Running one node on a worker: the driver, HTTP, retry strategies, limit scopes."""
