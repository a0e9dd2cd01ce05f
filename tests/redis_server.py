"""A throwaway Redis server for the queue tests (Debian's redis-server, which .ci/debian-packages installs).

Listens on a free localhost port, keeps nothing on disk (no RDB, no AOF), and is stopped when the test process
exits. `ensure_redis_url()` starts it once per process and returns redis://127.0.0.1:<port>/0.
"""
from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time

_url: str | None = None


class RedisUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_redis_url() -> str:
    global _url
    if _url is None:
        _url = _start()
    return _url


def _start() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable("no redis-server: run `bash .ci/debian-packages` (installs Debian's redis-server)")
    root = tempfile.mkdtemp(prefix="caseload-redis-")
    for _attempt in range(5):  # another process may take the free port before the server binds it
        port = _free_port()
        server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", root, "--loglevel", "warning"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        atexit.register(_stop, server, root)
                        return f"redis://127.0.0.1:{port}/0"
            except OSError:
                time.sleep(0.05)
        server.kill()
        server.wait()
    shutil.rmtree(root, ignore_errors=True)
    raise RedisUnavailable("redis-server would not start")


def _stop(server: subprocess.Popen, root: str) -> None:
    server.terminate()
    try:
        server.wait(5)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(root, ignore_errors=True)
