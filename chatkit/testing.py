"""Helpers for testing bots built on chatkit (and for chatkit's own tests and benchmarks)."""

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
from typing import Any


class RedisUnavailable(RuntimeError):
    """No redis-server binary is installed, or it would not start."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_redis_server(timeout_s: float = 10.0) -> Iterator[str]:
    """Start a throwaway redis-server on a free loopback port; yields its URL, stops it after."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable("redis-server is not installed (e.g. apt-get install redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="chatkit-redis-") as workdir:
        proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                 "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for_pong(port, proc, timeout_s)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(timeout_s)


def _wait_for_pong(port: int, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RedisUnavailable(f"redis-server did not answer on port {port}")
        time.sleep(0.05)


def wait_until_serving(url: str, proc: subprocess.Popen[Any], timeout_s: float) -> bool:
    """Poll ``url`` until it answers 2xx: True; False when ``proc`` exits first or ``timeout_s`` runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return True
        except OSError:  # refused, not up yet, or an error status (503 while the store is down)
            if proc.poll() is not None:
                return False
            time.sleep(0.2)
    return False


class EngineUnavailable(RuntimeError):
    """`transformers serve` is not installed, or it would not start."""


@contextmanager
def transformers_serve(model_dir: Path) -> Iterator[str]:
    """Serve ``model_dir`` on a free port until the block ends; yields the API root (``.../v1``)."""
    command = shutil.which("transformers", path=str(Path(sys.executable).parent)) or shutil.which("transformers")
    if command is None:
        raise EngineUnavailable("no `transformers` command (pip install 'transformers[serving]')")
    port = free_port()
    cache = tempfile.mkdtemp(prefix="hf-cache-")  # its /v1/models lists the hub cache, which must exist
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": cache}
    proc = subprocess.Popen([command, "serve", str(model_dir), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        if not wait_until_serving(f"http://127.0.0.1:{port}/health", proc, 180):
            if proc.poll() is not None:
                raise EngineUnavailable(f"transformers serve exited: {proc.communicate()[1][-2000:]}")
            raise EngineUnavailable("transformers serve did not start in 180 s")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(cache, ignore_errors=True)
