"""Run the benchmarks: `python -m bench [NAME ...]` (all of them when no name is given).

Each prints its figures beside a baseline measured in the same run, as ratios.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    path.stem: path for path in sorted(HERE.glob("*.py"))
    if not path.stem.startswith("_") and 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
}


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = 0
    for name in names or list(BENCHMARKS):
        print(f"== {name}", flush=True)
        failed += subprocess.run([sys.executable, str(BENCHMARKS[name])], cwd=HERE.parent).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
