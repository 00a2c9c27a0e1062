"""``transformers serve`` (transformers' own OpenAI-compatible server) on 127.0.0.1, the real engine of the remote
backend's tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class EngineUnavailable(RuntimeError):
    pass


@contextmanager
def transformers_serve(model_dir: Path) -> Iterator[str]:
    """Serve ``model_dir`` on a free port until the block ends; yields the API root (``.../v1``)."""
    command = shutil.which("transformers", path=str(Path(sys.executable).parent)) or shutil.which("transformers")
    if command is None:
        raise EngineUnavailable("no `transformers` command (pip install 'transformers[serving]')")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = tempfile.mkdtemp(prefix="hf-cache-")  # its /v1/models lists the hub cache, which must exist
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": cache}
    proc = subprocess.Popen([command, "serve", str(model_dir), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise EngineUnavailable(f"transformers serve exited: {proc.communicate()[1][-2000:]}") from None
                if time.monotonic() > deadline:
                    raise EngineUnavailable("transformers serve did not start in 180 s") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(cache, ignore_errors=True)
