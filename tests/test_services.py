"""The demo's Airflow services: start, health endpoint answers, stop leaves no process,
and nothing listens beyond localhost."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import airflow_env

from gridwatch import services

PORT = 18080


def _listening_addresses(port: int) -> set[str]:
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                addresses.add(address)
    return addresses


def test_services_start_answer_health_and_stop_cleanly(airflow_home, monkeypatch):
    for key, value in airflow_env(airflow_home).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AIRFLOW_PORT", str(PORT))
    try:
        started = services.up()
        assert {s.name for s in started} == set(services.COMPONENTS)
        assert services.healthy()
        assert all(services.state(name).running for name in services.COMPONENTS)
        # the api-server is bound to the loopback address only (0100007F = 127.0.0.1)
        assert _listening_addresses(PORT) == {"0100007F"}
        pids = [s.pid for s in started]
    finally:
        stopped = services.down()
    assert set(stopped) == set(services.COMPONENTS)
    time.sleep(1)
    assert not any(services._group_alive(pid) for pid in pids)
    assert not services.healthy()
    assert all(not (services.run_dir() / f"{n}.pid").exists() for n in services.COMPONENTS)
