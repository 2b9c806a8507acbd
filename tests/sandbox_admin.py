"""The sandbox's admin API, as the tests against a running stack use it."""

from __future__ import annotations

import requests


class SandboxAdmin:
    def __init__(self, url: str) -> None:
        self.url = url

    def reset(self) -> None:
        requests.post(f"{self.url}/_admin/reset", timeout=10).raise_for_status()

    def scenario(self, document: dict) -> None:
        requests.put(f"{self.url}/_admin/scenario", json=document, timeout=10).raise_for_status()

    def truth(self, path: str) -> list:
        return requests.get(f"{self.url}/_admin/truth", params={"path": path}, timeout=30).json()["ids"]

    def counters(self) -> dict:
        return requests.get(f"{self.url}/_admin/counters", timeout=10).json()

    def calls(self, api: str) -> int:
        """Requests the sandbox answered for one API since its last reset."""
        return self.counters()["by_api"].get(api, 0)

    def add_items(self, **body) -> list:
        answer = requests.post(f"{self.url}/_admin/items", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json()["ids"]

    def requests(self, api: str) -> list[dict]:
        """The latest requests one API received, oldest first."""
        return requests.get(f"{self.url}/_admin/requests", params={"api": api}, timeout=30).json()["requests"]
