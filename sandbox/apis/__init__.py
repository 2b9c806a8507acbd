"""The HTTP face of each API: routes, parameters, pagination, error shapes, headers."""
