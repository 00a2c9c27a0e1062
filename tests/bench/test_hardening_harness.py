"""bench/hardening.py, the hardening issue's reproductions against a real chatkit serve and redis-server, passes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "bench" / "hardening.py"


@pytest.mark.slow
def test_the_hardening_harness_passes() -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed; the hardening harness needs one")
    done = subprocess.run([sys.executable, str(HARNESS), "--rounds", "1"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout and done.stdout.count("ok ") >= 10
