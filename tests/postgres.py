"""A throwaway PostgreSQL server for the test suite (CASELOAD_TEST_POSTGRES=1).

Uses Debian's server binaries (/usr/lib/postgresql/<version>/bin, from the `postgresql`
package that .ci/debian-packages installs). The cluster lives in a temporary folder, listens
on a free localhost port with its socket in that folder, and is stopped and removed when the
test process exits. initdb refuses to run as root, so as root we run the server binaries as
the `postgres` user. Durability is switched off: the data is thrown away anyway.
"""
from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DATABASE = "caseload_test"
SUPERUSER = "caseload"
_url: str | None = None


class PostgresUnavailable(RuntimeError):
    pass


def ensure_postgres_url() -> str:
    """Start (once per process) a local server and return a SQLAlchemy URL to an empty database."""
    global _url
    if _url is None:
        existing = os.environ.get("CASELOAD_TEST_POSTGRES_URL")
        _url = existing or _start_server()
    return _url


def create_database(name: str, template: str | None = None) -> str:
    """(Re)create database `name`, empty or as a copy of `template`; return its URL.

    Copying a seeded template is much quicker than seeding the demo office for every test.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(ensure_postgres_url())
    admin = f"host={url.host} port={url.port} user={url.username} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    return url.set(database=name).render_as_string(hide_password=False)


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if not found:
        raise PostgresUnavailable(
            "CASELOAD_TEST_POSTGRES=1 but no PostgreSQL server binaries under /usr/lib/postgresql: "
            "run `CASELOAD_TEST_POSTGRES=1 bash .ci/debian-packages` (installs the Debian `postgresql` package)"
        )
    return Path(found[-1]).parent


def _version_key(path: str) -> tuple:
    version = Path(path).parent.parent.name
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def _as_server_user() -> list[str]:
    """The prefix that runs a command as `postgres` when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"]
    return ["su", "postgres", "-s", "/bin/sh", "-c"]  # the command is then joined into one string


def _run(prefix: list[str], args: list[str], **kwargs) -> subprocess.CompletedProcess:
    command = prefix + ([" ".join(_quote(a) for a in args)] if prefix[:1] == ["su"] else args)
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise PostgresUnavailable(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr or result.stdout}")
    return result


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server() -> str:
    bindir = _bin_dir()
    prefix = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="caseload-pg-"))
    if prefix:
        shutil.chown(root, user="postgres", group="postgres")
    data = root / "data"
    log = root / "server.log"
    _run(prefix, [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync"])
    options = " ".join([
        f"-k {root}", "-c listen_addresses=127.0.0.1", "-c fsync=off", "-c synchronous_commit=off",
        "-c full_page_writes=off", "-c max_connections=50",
    ])
    for _attempt in range(5):  # another process may take the free port before the server binds it
        port = _free_port()
        try:
            _run(prefix, [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                          "-o", f"-p {port} {options}", "start"])
            break
        except PostgresUnavailable:
            if "could not bind" not in log.read_text(errors="replace"):
                raise
    else:
        raise PostgresUnavailable(f"PostgreSQL would not start; see {log}")
    atexit.register(_stop_server, prefix, bindir, data, root)
    _run(prefix, [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, DATABASE])
    return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"


def _stop_server(prefix: list[str], bindir: Path, data: Path, root: Path) -> None:
    try:
        _run(prefix, [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
    except PostgresUnavailable:
        pass
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":  # `python tests/postgres.py`: start a server, print its URL, wait for Enter
    print(ensure_postgres_url())
    input("PostgreSQL is running; press Enter to stop it. ")
