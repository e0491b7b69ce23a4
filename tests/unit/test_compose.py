"""Static checks of the production deployment: docker-compose.yml, the two Dockerfiles,
.dockerignore, deploy/.env.example and deploy/postgres/.

No Docker engine (and no `docker compose` plugin) is available where these tests run, so
the files are parsed and checked for what must hold by construction: which services exist,
how they start and in what order, where data lives, what is published and which secrets
go where. Interpolation of ${VAR} follows Compose's rules (see `interpolate`).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SUPERSET_DOCKERFILE = ROOT / "deploy" / "superset" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"
PG_INIT = ROOT / "deploy" / "postgres" / "init-databases.sh"

AIRFLOW_LONG_RUNNING = [
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
]
AIRFLOW_SERVICES = ["airflow-init", *AIRFLOW_LONG_RUNNING]
SUPERSET_SERVICES = ["superset-init", "superset"]
ONE_SHOT = {"airflow-init", "superset-init"}
EXPECTED_SERVICES = {"postgres", "redis", *AIRFLOW_SERVICES, *SUPERSET_SERVICES}
CELERY_ONLY = {"redis", "airflow-worker"}
DATA_VOLUMES = {  # named volume -> the GRIDWATCH_* variables that must point into it
    "warehouse": ["GRIDWATCH_WAREHOUSE"],
    "serving": ["GRIDWATCH_SERVING"],
    "quality": ["GRIDWATCH_GX_RESULTS_DIR", "GRIDWATCH_GX_DOCS_DIR"],
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY")
# Required too, but no secret: production must bring its own reference data.
REQUIRED_SETTINGS = {"GRIDWATCH_REFERENCE_HOST_DIR", "GRIDWATCH_LANDING_HOST_DIR"}
# Host folders mounted read-only into every Airflow service: target -> GRIDWATCH_* variable
HOST_FOLDERS = {
    "/data/landing": ("GRIDWATCH_LANDING_HOST_DIR", "GRIDWATCH_LANDING_DIR"),
    "/data/reference": ("GRIDWATCH_REFERENCE_HOST_DIR", "GRIDWATCH_REFERENCE_DIR"),
}


# --------------------------------------------------------------------------- helpers


class MissingVariableError(Exception):
    """A ${VAR:?message} reference whose variable is unset or empty."""


_TOKEN = re.compile(r"\$\$|\$\{(?P<braced>[^}]*)\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)")
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?\Z", re.S)


def var_refs(text: str) -> list[tuple[str, str, str]]:
    """(name, operator, argument) of every ${...}/$VAR reference; `$$` is a literal `$`."""
    refs = []
    for match in _TOKEN.finditer(text):
        if match.group(0) == "$$":
            continue
        if match.group("bare"):
            refs.append((match.group("bare"), "", ""))
            continue
        braced = _BRACED.match(match.group("braced"))
        assert braced, f"unparseable interpolation {match.group(0)!r} in {text!r}"
        refs.append((braced["name"], braced["op"] or "", braced["arg"] or ""))
    return refs


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose interpolation: ${V}, ${V:-d}, ${V-d}, ${V:?err}, ${V?err}, ${V:+r}, $$."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = var_refs(match.group(0))[0]
        is_set = name in env
        is_set_non_empty = bool(env.get(name))
        ok = is_set_non_empty if op.startswith(":") else is_set
        if op in (":-", "-"):
            return env[name] if ok else arg
        if op in (":?", "?"):
            if not ok:
                raise MissingVariableError(f"{name}: {arg}")
            return env[name]
        if op in (":+", "+"):
            return arg if ok else ""
        return env.get(name, "")

    return _TOKEN.sub(replace, text)


def strings_in(node, path=""):
    """Every string scalar of a parsed YAML tree, with a readable path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings_in(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings_in(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def parse_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            key, sep, value = stripped.partition("=")
            assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
            values[key.strip()] = value.strip()
    return values


def volume_mounts(service: dict) -> list[dict]:
    """Short or long volume syntax as {source, target, read_only}."""
    mounts = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            mounts.append(
                {
                    "source": entry.get("source"),
                    "target": entry["target"],
                    "read_only": bool(entry.get("read_only")),
                }
            )
            continue
        parts = entry.split(":")
        if len(parts) == 1:
            mounts.append({"source": None, "target": parts[0], "read_only": False})
            continue
        # the source may itself contain ${VAR:-./x} with a colon: split from the right
        if parts[-1] in ("ro", "rw", "z", "Z") or "," in parts[-1]:
            options = parts[-1].split(",")
            source, target = ":".join(parts[:-2]), parts[-2]
        else:
            options = []
            source, target = ":".join(parts[:-1]), parts[-1]
        mounts.append({"source": source, "target": target, "read_only": "ro" in options})
    return mounts


def under(path: str, directory: str) -> bool:
    path, directory = posixpath.normpath(path), posixpath.normpath(directory)
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions, buffer = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction are ignored by Docker
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        keyword, _, args = buffer.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        buffer = ""
    assert not buffer, f"{path}: dangling line continuation"
    return instructions


def copy_parts(args: str) -> tuple[list[str], str]:
    tokens = [t for t in shlex.split(args) if not t.startswith("--")]
    return tokens[:-1], tokens[-1]


def dockerfile_env(instructions) -> dict[str, str]:
    env = {}
    for keyword, args in instructions:
        if keyword == "ENV":
            for token in shlex.split(args):
                key, _, value = token.partition("=")
                env[key] = value
    return env


def copy_destinations(instructions) -> dict[str, str]:
    """source -> absolute destination of every COPY, resolving WORKDIR."""
    workdir, result = "/", {}
    for keyword, args in instructions:
        if keyword == "WORKDIR":
            workdir = posixpath.join(workdir, args)
        elif keyword == "COPY":
            sources, dest = copy_parts(args)
            for source in sources:
                result[source.rstrip("/")] = posixpath.normpath(posixpath.join(workdir, dest))
    return result


def index_of(instructions, predicate, what: str) -> int:
    for index, instruction in enumerate(instructions):
        if predicate(*instruction):
            return index
    pytest.fail(f"no instruction found: {what}")


def healthcheck_text(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: a path is excluded when it or one of its parent directories matches;
    the last matching pattern wins, and `!pattern` re-includes."""
    parts = path.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = posixpath.normpath(raw[1:] if negate else raw).lstrip("/")
        if any(_pattern_regex(pattern).match(c) for c in candidates):
            excluded = not negate
    return excluded


def _uv_sync_groups(path: Path) -> set[str]:
    groups = set()
    for keyword, args in dockerfile_instructions(path):
        if keyword == "RUN" and "uv sync" in args:
            groups |= set(re.findall(r"--group[= ](\S+)", args))
    return groups


def _pyproject(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _locked_packages(lock: Path) -> dict[str, str]:
    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    return {p["name"]: p.get("version", "") for p in data["package"]}


DEPLOY_GROUPS_MISSING = bool(
    _uv_sync_groups(DOCKERFILE)
    - set(_pyproject(ROOT / "pyproject.toml").get("dependency-groups", {}))
)
SUPERSET_PYPROJECT = ROOT / "superset_dashboards" / "pyproject.toml"
SUPERSET_PG_DRIVER_MISSING = (
    not SUPERSET_PYPROJECT.exists() or "psycopg2" not in SUPERSET_PYPROJECT.read_text("utf-8")
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return parse_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def throwaway_env(env_example) -> dict[str, str]:
    """A filled-in .env: every secret and required setting set, the rest empty (= default)."""
    required = {k for k in env_example if SECRET_NAME.search(k)} | REQUIRED_SETTINGS
    return {k: (f"x-{k.lower()}" if k in required else "") for k in env_example}


@pytest.fixture(scope="module")
def airflow_instructions():
    return dockerfile_instructions(DOCKERFILE)


@pytest.fixture(scope="module")
def superset_instructions():
    return dockerfile_instructions(SUPERSET_DOCKERFILE)


# --------------------------------------------------------------------------- services


def test_expected_services_exist(services):
    assert set(services) == EXPECTED_SERVICES


def test_one_shot_services_run_once_and_the_others_stay_up(services):
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no", name
            assert "healthcheck" not in service, f"{name} exits: it cannot become healthy"
        else:
            assert service.get("restart") in ("always", "unless-stopped"), name


def test_every_long_running_service_has_a_healthcheck(services):
    for name, service in services.items():
        if name in ONE_SHOT:
            continue
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), name
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name  # Compose rejects other forms
        for key in ("interval", "timeout", "retries"):
            assert key in check, f"{name}: healthcheck without {key}"


@pytest.mark.parametrize(
    ("service", "command", "probe"),
    [
        ("postgres", None, r"^CMD pg_isready -h 127\.0\.0\.1 "),  # TCP: not the init server
        ("redis", None, r"^CMD redis-cli ping$"),
        (
            "airflow-apiserver",
            ["airflow", "api-server"],
            r"^CMD curl --fail .*http://localhost:8080/api/v2/monitor/health$",
        ),
        (
            "airflow-scheduler",
            ["airflow", "scheduler"],
            r"^CMD airflow jobs check --job-type SchedulerJob --local$",
        ),
        (
            "airflow-dag-processor",
            ["airflow", "dag-processor"],
            r"^CMD airflow jobs check --job-type DagProcessorJob --local$",
        ),
        (
            "airflow-triggerer",
            ["airflow", "triggerer"],
            r"^CMD airflow jobs check --job-type TriggererJob --local$",
        ),
        (
            "airflow-worker",
            ["airflow", "celery", "worker"],
            r"^CMD-SHELL celery --app airflow\.providers\.celery\.executors\.celery_executor\.app"
            r" inspect ping -d \"celery@\$\$\{HOSTNAME\}\"$",
        ),
        ("superset", None, r"^CMD curl --fail .*http://localhost:8088/health$"),
    ],
)
def test_component_commands_and_health_probes(services, service, command, probe):
    if command:
        assert services[service]["command"][: len(command)] == command
    assert re.search(probe, healthcheck_text(services[service])), healthcheck_text(
        services[service]
    )


def test_health_probes_use_the_container_ports(services):
    for name, port in (("airflow-apiserver", "8080"), ("superset", "8088")):
        published = [p.rsplit(":", 1)[-1] for p in services[name]["ports"]]
        assert published == [port], name
        assert f"localhost:{port}/" in healthcheck_text(services[name]), name
    assert services["airflow-apiserver"]["command"][-2:] == ["--port", "8080"]


# --------------------------------------------------------------------------- images


def test_airflow_services_share_one_image_built_from_the_dockerfile(services):
    images = set()
    for name in AIRFLOW_SERVICES:
        service = services[name]
        build = service["build"]
        assert (ROOT / build["context"]).resolve() == ROOT, name
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile", name
        images.add(service["image"])
    assert len(images) == 1, images
    (image,) = images
    assert image.startswith("gridwatch-airflow:")


def test_superset_services_use_the_superset_image(services):
    images = set()
    for name in SUPERSET_SERVICES:
        build = services[name]["build"]
        assert (ROOT / build["context"]).resolve() == ROOT, name
        assert (ROOT / build["dockerfile"]).resolve() == SUPERSET_DOCKERFILE, name
        images.add(services[name]["image"])
    assert len(images) == 1
    assert images.isdisjoint({services[n]["image"] for n in AIRFLOW_SERVICES})


def test_third_party_images_are_pinned(services):
    for name in ("postgres", "redis"):
        image = services[name]["image"]
        _, _, tag = image.partition(":")
        assert tag and tag != "latest" and re.match(r"\d", tag), f"{name}: pin {image}"
        assert "build" not in services[name]


# --------------------------------------------------------------------------- start order


def test_every_dependency_waits_for_health_or_completion(services):
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        assert isinstance(depends_on, dict), f"{name}: use the long depends_on syntax"
        for target, spec in depends_on.items():
            assert target in services, f"{name} depends on unknown {target}"
            expected = "service_completed_successfully" if target in ONE_SHOT else "service_healthy"
            assert spec.get("condition") == expected, f"{name} -> {target}"
            if services[target].get("profiles") and not service.get("profiles"):
                # otherwise Compose refuses the project when the profile is off
                assert spec.get("required") is False, f"{name} -> {target}"


def test_no_airflow_service_starts_before_init_and_postgres(services):
    for name in AIRFLOW_LONG_RUNNING:
        depends_on = services[name]["depends_on"]
        assert depends_on["airflow-init"]["condition"] == "service_completed_successfully"
        assert depends_on["postgres"]["condition"] == "service_healthy"
    assert set(services["airflow-init"]["depends_on"]) == {"postgres"}


def test_task_runners_wait_for_the_execution_api_and_the_broker(services):
    for name in ("airflow-scheduler", "airflow-worker"):
        assert services[name]["depends_on"]["airflow-apiserver"]["condition"] == ("service_healthy")
    assert services["airflow-worker"]["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert services["airflow-scheduler"]["depends_on"]["redis"]["required"] is False


def test_superset_starts_after_its_init_and_postgres(services):
    assert services["superset"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "superset-init": {"condition": "service_completed_successfully"},
    }
    assert services["superset-init"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_dependencies_have_no_cycle(services):
    state: dict[str, str] = {}

    def visit(name, trail):
        assert state.get(name) != "open", f"cycle: {' -> '.join([*trail, name])}"
        if state.get(name) == "done":
            return
        state[name] = "open"
        for target in services[name].get("depends_on") or {}:
            visit(target, [*trail, name])
        state[name] = "done"

    for name in services:
        visit(name, [])


# --------------------------------------------------------------------------- data volumes


def test_data_volumes_are_mounted_where_gridwatch_variables_point(compose, services):
    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        mounts = {m["source"]: m for m in volume_mounts(services[name])}
        for volume, variables in DATA_VOLUMES.items():
            assert volume in compose["volumes"], f"volume {volume} not declared"
            mount = mounts.get(volume)
            assert mount, f"{name} does not mount {volume}"
            assert not mount["read_only"], f"{name} must write {volume}"
            for variable in variables:
                path = env[variable]
                assert under(path, mount["target"]), f"{name}: {variable}={path}"
                assert path != mount["target"], variable
        for target, (host_variable, variable) in HOST_FOLDERS.items():
            # the pipeline only reads deliveries and reference data: a host folder, read-only
            mount = [m for m in volume_mounts(services[name]) if m["target"] == target]
            assert mount and mount[0]["read_only"], (name, target)
            assert var_refs(mount[0]["source"]) == [
                (host_variable, ":?", var_refs(mount[0]["source"])[0][2])
            ], (name, mount[0]["source"])
            assert env[variable] == target, (name, variable)


def test_every_named_volume_used_is_declared(compose, services):
    for name, service in services.items():
        for mount in volume_mounts(service):
            source = mount["source"]
            if source and not source.startswith((".", "/", "$")):
                assert source in compose["volumes"], f"{name}: undeclared volume {source}"


def test_superset_mounts_only_serving_read_only_and_its_own_state(services, superset_instructions):
    home = dockerfile_env(superset_instructions)["GRIDWATCH_SUPERSET_HOME"]
    for name in SUPERSET_SERVICES:
        mounts = volume_mounts(services[name])
        assert mounts == [
            {"source": "serving", "target": "/data/serving", "read_only": True},
            {"source": "superset-home", "target": home, "read_only": False},
        ]
        assert under(env_of(services[name])["GRIDWATCH_SERVING"], "/data/serving")


def test_superset_init_imports_the_dashboards_once_the_marts_are_published(services):
    """Without the import, production Superset has no dashboards, roles or row-level security."""
    script = services["superset-init"]["command"][-1]
    guard = 'if [ -f "$${GRIDWATCH_SERVING}" ]; then'
    assert "manage.py dashboards" in script and guard in script
    assert script.index("superset init") < script.index(guard) < script.index("manage.py")
    # before the first publish it says what to do instead of failing the init job
    assert "docker compose up -d superset-init superset" in script
    # a failed import is reported, and superset (which waits for this job) still starts
    assert re.search(r"manage\.py dashboards \\\n\s*\|\| echo \"ERROR", script), script
    # re-imports on every `up` keep the passwords and roles an administrator changed
    env = env_of(services["superset-init"])
    assert env["GRIDWATCH_SUPERSET_KEEP_USERS"] == "true"


def test_the_image_prepares_the_mount_points_for_its_user(airflow_instructions, services):
    env = dockerfile_env(airflow_instructions)
    compose_env = env_of(services["airflow-scheduler"])
    chowns = set()  # paths given to `chown [-R] user:group PATH...`
    for keyword, args in airflow_instructions:
        for command in args.split("&&") if keyword == "RUN" else []:
            tokens = shlex.split(command)
            if tokens and tokens[0] == "chown":
                chowns |= set([t for t in tokens[1:] if not t.startswith("-")][1:])
    for volume, variables in DATA_VOLUMES.items():
        target = f"/data/{volume}"
        assert target in chowns, f"{target} is not given to the runtime user"
        for variable in variables:
            assert env[variable] == compose_env[variable], variable
    assert "/opt/airflow" in chowns


# --------------------------------------------------------------------------- exposure


def test_ports_are_published_on_loopback_only(services, throwaway_env):
    published = 0
    for name, service in services.items():
        assert service.get("network_mode") != "host", name
        assert not service.get("privileged"), name
        for port in service.get("ports") or []:
            published += 1
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
                continue
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"
            resolved = interpolate(str(port), throwaway_env)
            assert re.fullmatch(r"127\.0\.0\.1:\d+:\d+", resolved), f"{name}: {resolved}"
    assert published == 2  # the Airflow UI/API and Superset
    assert "ports" not in services["postgres"] and "ports" not in services["redis"]


# --------------------------------------------------------------------------- secrets


def test_no_secret_value_is_committed(services, env_example):
    checked = 0
    for name, service in services.items():
        for key, value in env_of(service).items():
            if SECRET_NAME.search(key):
                checked += 1
                match = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]+\}", value)
                assert match, f"{name}: {key} must be ${{VAR:?...}}, not {value!r}"
                assert match.group(1) in env_example, f"{match.group(1)} not in .env.example"
            for url in re.findall(r"[a-z0-9+]+://\S+", value):
                password = urlsplit(url.replace("$", "%24")).password
                if password is not None:
                    assert re.fullmatch(r"%24\{[A-Z_]+:\?[^}]+\}", password), f"{name}: {key}"
    assert checked >= 10


def test_secrets_are_never_given_a_default(compose, env_example):
    secrets = {k for k in env_example if SECRET_NAME.search(k)}
    used = set()
    for path, text in strings_in(compose):
        for name, op, _ in var_refs(text):
            if name in secrets:
                used.add(name)
                assert op == ":?", f"{path}: ${{{name}}} must use :? (no default, no empty)"
    assert used == secrets, f"listed in .env.example but unused: {secrets - used}"


def test_compose_refuses_to_start_without_the_secrets(compose, env_example, throwaway_env):
    required = set()
    for path, text in strings_in(compose):
        refs = var_refs(text)
        required |= {name for name, op, _ in refs if op in (":?", "?")}
        if any(op in (":?", "?") for _, op, _ in refs):
            with pytest.raises(MissingVariableError):
                interpolate(text, {})
                pytest.fail(f"{path} starts without its secret")
        interpolate(text, throwaway_env)  # a complete .env resolves everything
    assert required == {k for k in env_example if SECRET_NAME.search(k)} | REQUIRED_SETTINGS


def test_env_example_lists_every_variable_with_empty_values_and_comments(compose, env_example):
    used = {name for _, text in strings_in(compose) for name, _, _ in var_refs(text)}
    assert used <= set(env_example), f"missing from .env.example: {used - set(env_example)}"
    unused = set(env_example) - used - {"COMPOSE_PROFILES"}
    assert not unused, f"in .env.example but not used by docker-compose.yml: {unused}"
    assert all(value == "" for value in env_example.values()), "commit no values"
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = index - 1
            while above >= 0 and lines[above] and not lines[above].startswith("#"):
                above -= 1
            assert above >= 0 and lines[above].startswith("#"), f"uncommented: {line}"


def test_each_service_gets_only_its_own_secrets(services):
    def secret_sources(name):
        refs = set()
        for value in env_of(services[name]).values():
            refs |= {n for n, op, _ in var_refs(value) if op == ":?"}
        return refs

    for name, service in services.items():
        assert "env_file" not in service, f"{name}: pass variables one by one"
    for name in AIRFLOW_SERVICES:
        secrets = secret_sources(name)
        assert "GRIDWATCH_PII_KEY" in secrets, name
        assert not {s for s in secrets if s.startswith("SUPERSET")}, name
        assert "POSTGRES_PASSWORD" not in secrets, name
        assert ("AIRFLOW_ADMIN_PASSWORD" in secrets) == (name == "airflow-init"), name
    for name in SUPERSET_SERVICES:
        secrets = secret_sources(name)
        assert not {s for s in secrets if s.startswith("AIRFLOW")}, name
        assert "GRIDWATCH_PII_KEY" not in secrets and "POSTGRES_PASSWORD" not in secrets, name
        assert ("SUPERSET_ADMIN_PASSWORD" in secrets) == (name == "superset-init"), name
    assert secret_sources("postgres") == {
        "POSTGRES_PASSWORD",
        "AIRFLOW_DB_PASSWORD",
        "SUPERSET_DB_PASSWORD",
    }


def test_init_commands_read_passwords_at_run_time(services):
    for name, variable in (
        ("airflow-init", "AIRFLOW_ADMIN_PASSWORD"),
        ("superset-init", "SUPERSET_ADMIN_PASSWORD"),
    ):
        script = services[name]["command"][-1]
        # "$$" reaches the container as "$": bash expands it, Compose does not embed it
        assert f'--password "$${{{variable}}}"' in script, name
        assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", env_of(services[name])[variable]), name
        assert script.lstrip().startswith("set -euo pipefail"), name


# --------------------------------------------------------------------------- Airflow settings


def test_airflow_configuration(services, throwaway_env):
    reference = env_of(services["airflow-apiserver"])
    common_secrets = {k: v for k, v in reference.items() if SECRET_NAME.search(k)}
    assert {"AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"} <= set(common_secrets)
    for name in AIRFLOW_SERVICES:
        raw = env_of(services[name])
        env = {k: interpolate(v, throwaway_env) for k, v in raw.items()}
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False", name
        assert env["GX_ANALYTICS_ENABLED"] == "false", name
        api = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert (api.hostname, api.port, api.path) == ("airflow-apiserver", 8080, "/execution/")
        db = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert (db.scheme, db.hostname, db.username, db.path) == (
            "postgresql+psycopg2",
            "postgres",
            "airflow",
            "/airflow",
        )
        assert urlsplit(env["AIRFLOW__CELERY__BROKER_URL"]).hostname == "redis"
        # every component must hold the same Fernet key, JWT secret, API secret, PII key
        assert {k: raw.get(k) for k in common_secrets} == common_secrets, name
    executor = interpolate(
        env_of(services["airflow-worker"])["AIRFLOW__CORE__EXECUTOR"],
        {**throwaway_env, "AIRFLOW_EXECUTOR": "CeleryExecutor"},
    )
    assert executor == "CeleryExecutor"


def dag_pools() -> set[str]:
    """Pool names the DAG files use: `pool="x"`, `"pool": "x"` or `SOME_POOL = "x"`."""
    pools = set()
    for dag_file in sorted((ROOT / "dags").glob("*.py")):
        text = dag_file.read_text(encoding="utf-8")
        pools |= set(re.findall(r"\bpool\s*=\s*[\"']([\w.-]+)[\"']", text))
        pools |= set(re.findall(r"[\"']pool[\"']\s*:\s*[\"']([\w.-]+)[\"']", text))
        pools |= set(re.findall(r"\b\w*POOL\w*\s*=\s*[\"']([\w.-]+)[\"']", text))
    return pools


def test_airflow_init_migrates_and_creates_the_dags_one_slot_pool(services):
    script = services["airflow-init"]["command"][-1]
    assert services["airflow-init"]["command"][:2] == ["bash", "-c"]
    assert "airflow db migrate" in script
    created = dict(re.findall(r"airflow pools set \"?([\w.-]+)\"? (\d+) ", script))
    pools = dag_pools()
    assert pools, "no pool found in dags/: the DuckDB writers must share a one-slot pool"
    for pool in pools:  # a task in a pool that does not exist is never scheduled
        assert created.get(pool) == "1", f"airflow-init must create pool {pool} with 1 slot"
    assert script.index("db migrate") < script.index("pools set")


def test_celery_profile_adds_redis_and_the_worker(services, env_example):
    for name, service in services.items():
        assert (service.get("profiles") == ["celery"]) == (name in CELERY_ONLY), name
    assert "COMPOSE_PROFILES" in env_example and "AIRFLOW_EXECUTOR" in env_example


def test_superset_configuration(services, throwaway_env):
    for name in SUPERSET_SERVICES:
        env = {k: interpolate(v, throwaway_env) for k, v in env_of(services[name]).items()}
        # superset_config.py's variable and Superset's own override must agree
        assert env["SUPERSET_DATABASE_URI"] == env["SUPERSET__SQLALCHEMY_DATABASE_URI"], name
        db = urlsplit(env["SUPERSET__SQLALCHEMY_DATABASE_URI"])
        assert (db.scheme, db.hostname, db.username, db.path) == (
            "postgresql+psycopg2",
            "postgres",
            "superset",
            "/superset",
        )
        assert env["SUPERSET_SECRET_KEY"], name
    script = services["superset-init"]["command"][-1]
    steps = ["superset db upgrade", "superset fab create-admin", "superset init"]
    assert [script.index(s) for s in steps] == sorted(script.index(s) for s in steps)


# --------------------------------------------------------------------------- postgres init


def test_postgres_init_script_creates_both_databases(services):
    mounts = volume_mounts(services["postgres"])
    init = [m for m in mounts if m["target"].startswith("/docker-entrypoint-initdb.d/")]
    assert len(init) == 1 and init[0]["read_only"] and init[0]["target"].endswith(".sh")
    assert (ROOT / init[0]["source"]).resolve() == PG_INIT
    assert os.access(PG_INIT, os.X_OK), "the entrypoint runs executable scripts"
    text = PG_INIT.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    required = set(re.findall(r'"\$\{(\w+):\?', text))
    assert required == {"AIRFLOW_DB_PASSWORD", "SUPERSET_DB_PASSWORD"}
    assert required <= set(env_of(services["postgres"]))
    for user_db in (("airflow", "airflow"), ("superset", "superset")):
        user, db = user_db
        assert re.search(rf"CREATE ROLE {user} LOGIN PASSWORD :'\w+';", text), user
        assert re.search(rf"CREATE DATABASE {db} OWNER {user}\b", text), db
        assert f"REVOKE ALL ON DATABASE {db} FROM PUBLIC;" in text
    # the SQL heredoc is quoted: the shell never pastes a password into the SQL text
    assert "<<'SQL'" in text


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_postgres_init_script_is_valid_bash():
    result = subprocess.run(["bash", "-n", str(PG_INIT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- Dockerfiles


def test_dockerfile_installs_the_lock_before_copying_sources(airflow_instructions):
    ins = airflow_instructions
    lock_copy = index_of(
        ins,
        lambda kw, a: kw == "COPY" and {"pyproject.toml", "uv.lock"} <= set(copy_parts(a)[0]),
        "COPY pyproject.toml uv.lock",
    )
    first_sync = index_of(ins, lambda kw, a: kw == "RUN" and "uv sync" in a, "RUN uv sync")
    source_copy = index_of(
        ins, lambda kw, a: kw == "COPY" and "src/" in copy_parts(a)[0], "COPY src/"
    )
    assert lock_copy < first_sync < source_copy
    syncs = [a for kw, a in ins if kw == "RUN" and "uv sync" in a]
    for args in syncs:
        assert "--frozen" in args.split() and "--no-dev" in args.split(), args
    commands = [c.strip() for kw, a in ins if kw == "RUN" for c in a.split("&&")]
    assert not [c for c in commands if "uv lock" in c or "uv pip" in c], "only what uv.lock says"
    pip = [c for c in commands if re.search(r"\bpip3? install", c)]
    assert pip == ['pip install --no-cache-dir "uv==${UV_VERSION}"'], pip


def test_dockerfile_copies_the_project_and_points_airflow_at_the_dags(airflow_instructions):
    destinations = copy_destinations(airflow_instructions)
    for source in ("src", "dags", "dbt_project", "expectations", "README.md"):
        assert source in destinations, f"{source} is not copied"
    env = dockerfile_env(airflow_instructions)
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == destinations["dags"]
    assert env["AIRFLOW_HOME"] == "/opt/airflow"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    # README.md is the package readme: it must be there before the project is installed
    readme = index_of(
        airflow_instructions,
        lambda kw, a: kw == "COPY" and "README.md" in a,
        "COPY README.md",
    )
    last_sync = max(
        i for i, (kw, a) in enumerate(airflow_instructions) if kw == "RUN" and "uv sync" in a
    )
    assert readme < last_sync


def test_dockerfile_base_matches_the_python_of_the_lock(airflow_instructions):
    from packaging.specifiers import SpecifierSet

    base = [a for kw, a in airflow_instructions if kw == "FROM"]
    assert base == ["python:3.11-slim-bookworm"]
    version = re.match(r"python:(\d+\.\d+)", base[0]).group(1)
    requires = _pyproject(ROOT / "pyproject.toml")["project"]["requires-python"]
    assert SpecifierSet(requires).contains(version + ".0")


@pytest.mark.parametrize("which", ["airflow", "superset"])
def test_images_run_as_a_non_root_user(which, airflow_instructions, superset_instructions):
    ins = airflow_instructions if which == "airflow" else superset_instructions
    users = [a for kw, a in ins if kw == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0"), users
    created = " ".join(a for kw, a in ins if kw == "RUN" and "useradd" in a)
    assert re.search(rf"useradd .*--uid \S+ .*\b{users[-1]}\b", created)
    last_user = max(i for i, (kw, _) in enumerate(ins) if kw == "USER")
    assert all(kw != "RUN" for kw, _ in ins[last_user:]), "RUN after USER runs as that user"


def test_superset_dockerfile_installs_its_own_lock_first(superset_instructions):
    ins = superset_instructions
    lock_copy = index_of(
        ins,
        lambda kw, a: (
            kw == "COPY"
            and {"superset_dashboards/pyproject.toml", "superset_dashboards/uv.lock"}
            <= set(copy_parts(a)[0])
        ),
        "COPY superset_dashboards/pyproject.toml superset_dashboards/uv.lock",
    )
    sync = index_of(ins, lambda kw, a: kw == "RUN" and "uv sync" in a, "RUN uv sync")
    project_copy = index_of(
        ins,
        lambda kw, a: kw == "COPY" and copy_parts(a)[0] == ["superset_dashboards/"],
        "COPY superset_dashboards/",
    )
    assert lock_copy < sync < project_copy
    args = ins[sync][1].split()
    assert {"--frozen", "--no-dev", "--project", "superset_dashboards"} <= set(args)
    env = dockerfile_env(ins)
    copied_to = copy_destinations(ins)["superset_dashboards"]
    assert env["SUPERSET_CONFIG_PATH"] == posixpath.join(copied_to, "superset_config.py")
    assert env["FLASK_APP"] == "superset.app:create_app()"


def test_dockerignore_keeps_environments_data_and_secrets_out():
    patterns = dockerignore_patterns()
    for path in (
        ".venv/bin/python",
        "superset_dashboards/.venv/bin/python",
        "data/landing/push_list/2021-08-03/a.csv",
        "data/warehouse/gridwatch.duckdb",
        ".git/HEAD",
        ".env",
        "deploy/.env",
        ".local/pii_key",
        "dbt_project/target/manifest.json",
        "src/gridwatch/__pycache__/config.cpython-311.pyc",
        "expectations/gx/uncommitted/validations/x.json",
    ):
        assert dockerignored(path, patterns), f"{path} would be sent to the image build"


def test_dockerignore_keeps_everything_the_dockerfiles_copy(
    airflow_instructions, superset_instructions
):
    patterns = dockerignore_patterns()
    for instructions in (airflow_instructions, superset_instructions):
        for keyword, args in instructions:
            if keyword != "COPY" or "--from" in args:
                continue
            for source in copy_parts(args)[0]:
                source = source.rstrip("/")
                assert not dockerignored(source, patterns), source
                if "." not in Path(source).name:  # a directory: its files must go too
                    assert not dockerignored(f"{source}/module.py", patterns), source
    assert not dockerignored("superset_dashboards/superset_config.py", patterns)


# --------------------------------------------------------------------------- lock files


def test_pipeline_lock_holds_the_production_drivers():
    groups = _uv_sync_groups(DOCKERFILE)
    declared = _pyproject(ROOT / "pyproject.toml").get("dependency-groups", {})
    assert groups and groups <= set(declared), f"Dockerfile syncs undeclared groups {groups}"
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    project = next(p for p in lock["package"] if p["name"] == "gridwatch")
    assert groups <= set(project.get("dev-dependencies", {})), "uv.lock is stale: run uv lock"
    locked = _locked_packages(ROOT / "uv.lock")
    for package in (
        "psycopg2-binary",  # postgresql+psycopg2:// metadata connection
        "asyncpg",  # Airflow's async metadata connection (postgresql+asyncpg)
        "apache-airflow-providers-postgres",
        "apache-airflow-providers-fab",  # FabAuthManager
        "apache-airflow-providers-celery",
        "redis",
    ):
        assert package in locked, f"{package} is not in uv.lock"
    # apache-airflow-providers-celery 3.26 cannot import celery 5.7 (database.retry removed)
    celery = tuple(int(x) for x in locked["celery"].split(".")[:2])
    assert (5, 5) <= celery < (5, 7), locked["celery"]


def test_superset_lock_holds_the_postgres_driver():
    locked = _locked_packages(ROOT / "superset_dashboards" / "uv.lock")
    assert "psycopg2-binary" in locked or "psycopg2" in locked
    assert "apache-superset" in locked and "gunicorn" in locked


@pytest.mark.parametrize(("flag", "secure"), [("", False), ("false", False), ("true", True)])
def test_superset_behind_tls_marks_cookies_secure_and_trusts_the_proxy(
    services, throwaway_env, tmp_path, flag, secure
):
    value = env_of(services["superset"])["GRIDWATCH_SUPERSET_BEHIND_TLS"]
    resolved = interpolate(value, {**throwaway_env, "SUPERSET_BEHIND_TLS": flag})
    script = (
        "import importlib.util, json, sys\n"
        "spec = importlib.util.spec_from_file_location('cfg', sys.argv[1])\n"
        "cfg = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(cfg)\n"
        "print(json.dumps([cfg.SESSION_COOKIE_SECURE, cfg.ENABLE_PROXY_FIX,\n"
        "                  cfg.TALISMAN_CONFIG['session_cookie_secure']]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "superset_dashboards" / "superset_config.py")],
        env={**os.environ, "GRIDWATCH_SUPERSET_HOME": str(tmp_path),
             "GRIDWATCH_SUPERSET_BEHIND_TLS": resolved},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(result.stdout) == [secure, secure, secure]
