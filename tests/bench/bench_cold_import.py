"""Cold import time of each family function's handler module, as a Lambda cold start pays it.

Each module is imported in a fresh interpreter, several times, timing the ``import`` statement.
The baseline in the same run is the floor any handler of this stack pays: a fresh interpreter
importing FastAPI, Mangum and Powertools' Logger (a one-route "hello" handler).
Prints ``BENCH family.cold_import handler=<module> ms_p50=... baseline_ms_p50=...``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from cfnlint.decode import cfn_yaml

REPO = Path(__file__).resolve().parents[2]
RUNS = 7
CODE = "import time, importlib; t=time.perf_counter(); {}; print((time.perf_counter()-t)*1000)"
BASELINE = "import fastapi, mangum, aws_lambda_powertools.logging"


def handler_modules(product: str) -> list[str]:
    template = cfn_yaml.load(str(REPO / "functions" / product / "template.yaml"))
    handlers = {r["Properties"]["Handler"] for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"}
    return sorted(h.rpartition(".")[0] for h in handlers)


def time_import(statement: str) -> float:
    env = os.environ | {"UPLOADS_BUCKET": "b", "MEDIA_BUCKET": "b", "DATABASE_URL": "postgresql://localhost/x",
                        "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1"}
    samples = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", CODE.format(statement)], capture_output=True, text=True, env=env, check=True)
        samples.append(float(out.stdout.strip()))
    return statistics.median(samples)


def main() -> None:
    baseline = time_import(BASELINE)
    for module in handler_modules("family"):
        print(f"BENCH family.cold_import handler={module} ms_p50={time_import(f'import {module}'):.1f} baseline_ms_p50={baseline:.1f} "
              f"runs={RUNS}", flush=True)


if __name__ == "__main__":
    main()
