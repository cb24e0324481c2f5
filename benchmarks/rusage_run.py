"""Run ``python -m MODULE ARGS`` (or a script) in this process and, at exit, write its own CPU time and module count.

    python benchmarks/rusage_run.py REPORT.json mailbot.cli -c mailbot.toml run --once

``RUSAGE_SELF`` counts every thread of this process and none of its children, so the figure is the
main process's CPU: the document workers are children and are left out. Used by ``harness.py``.
"""

from __future__ import annotations

import json
import resource
import runpy
import sys
from pathlib import Path


def main() -> None:
    report, module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    code: object = 0
    try:
        if module.endswith(".py"):
            runpy.run_path(module, run_name="__main__")
        else:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as leaving:
        code = leaving.code
    finally:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        figures = {"cpu": usage.ru_utime + usage.ru_stime, "modules": len(sys.modules)}
        Path(report).write_text(json.dumps(figures))
    sys.exit(code)


if __name__ == "__main__":
    main()
