"""A Redis for the tests and benchmarks that need one: REDIS_URL when set (CI starts one),
else a private redis-server on a free loopback port, else None (the tests then skip)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

NO_REDIS = (
    "no Redis: set REDIS_URL or install redis-server (apt-get install redis-server) "
    "so a private one can be started on 127.0.0.1"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_ping(url: str, timeout: float = 10.0) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                return bool(client.ping())
            except redis.RedisError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.05)
    finally:
        client.close()


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    """REDIS_URL when set; else a private redis-server (no persistence) on a free loopback
    port, stopped afterwards; else None."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--logfile", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"redis://127.0.0.1:{port}/0"
        if not redis_ping(url):
            raise RuntimeError(f"redis-server did not answer on 127.0.0.1:{port}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
