"""What IAM database authentication adds to a cold start: the first RDS IAM auth token of an
execution environment, in fresh processes, after the platform's own imports (``backlot.db``,
Powertools' Logger), with Lambda's environment variables.

Prints, medians of ``RUNS`` fresh processes each, after importing ``backlot.db`` alone
(``after=db_only``) and after ``backlot.observability`` too (``after=observability``: Powertools'
Tracer imports botocore, so the signer is then nearly free)::

    BENCH db_iam_token mode=backlot after=... first_token_ms=...       # backlot.db.iam_conninfo()
    BENCH db_iam_token mode=boto3_client after=... first_token_ms=...  # boto3.client("rds").generate_db_auth_token
    BENCH db_iam_token mode=import_db import_ms=... botocore_imported=0  # importing backlot.db itself

Run with the interpreter Lambda runs (python3.13), from the repository root:
``python tests/bench/bench_db_iam.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = 9

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import backlot.db as db
t1 = time.perf_counter()
if sys.argv[2] == "observability":
    from backlot.observability import logger  # what every function imports today (Tracer brings botocore)
botocore_at_import = any(m.startswith("botocore") for m in sys.modules)
boto3_before = "boto3" in sys.modules
t2 = time.perf_counter()
if sys.argv[1] == "backlot":
    db.iam_conninfo()
else:
    import boto3
    boto3.client("rds", region_name="us-east-1").generate_db_auth_token(DBHostname=db.get_settings().db_host, Port=5432,
                                               DBUsername="backlot_family", Region="us-east-1")
t3 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "token_ms": (t3 - t2) * 1000,
                  "botocore_at_import": botocore_at_import, "boto3_before": boto3_before}))
"""


def run(mode: str, after: str) -> dict[str, float]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT / "layers" / "platform" / "python"),
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE12",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "token",
        "DB_HOST": "backlot-dev.proxy-abcdefghijkl.us-east-1.rds.amazonaws.com",
        "DB_USER": "backlot_family",
        "DB_IAM_AUTH": "true",
        "POWERTOOLS_SERVICE_NAME": "bench",
    }
    samples = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", CHILD, mode, after], env=env, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"{mode}: {out.stderr}")
        samples.append(json.loads(out.stdout))
    return {
        "import_ms": statistics.median(s["import_ms"] for s in samples),
        "token_ms": statistics.median(s["token_ms"] for s in samples),
        "botocore_at_import": int(any(s["botocore_at_import"] for s in samples)),
        "boto3_before": int(any(s["boto3_before"] for s in samples)),
    }


def main() -> None:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    for after in ("db_only", "observability"):
        for mode in ("backlot", "boto3_client"):
            r = run(mode, after)
            print(
                f"BENCH db_iam_token mode={mode} after={after} first_token_ms={r['token_ms']:.1f} "
                f"botocore_already_imported={r['botocore_at_import']} python={python} runs={RUNS}"
            )
    r = run("backlot", "db_only")
    print(f"BENCH db_iam_token mode=import_db import_ms={r['import_ms']:.1f} botocore_imported={r['botocore_at_import']} python={python}")


if __name__ == "__main__":
    main()
