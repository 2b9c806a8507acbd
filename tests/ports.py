"""Free loopback ports for the servers tests and benchmarks start themselves."""

from __future__ import annotations

import socket

# The project's own stacks, tests and benchmarks use ports in this range.
RESERVED_PORTS = range(17600, 22000)


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port
