"""The compose stack, checked by parsing alone (no Docker engine needed).

docker-compose.yml and its GPU override, the Dagster instance and workspace they mount, the
PostgreSQL init script, the Dockerfile and .env.example must agree with each other and with
``nex_assets.env`` (database names, URL parsing). The image's first-start step
(docker/entrypoint.sh) is a plain shell script: it is run here as the image runs it.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

from nex_assets.core import env
from nex_assets.datasets.logic.catalog import load_catalog

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
COMPOSE_FILES = sorted(ROOT.glob("docker-compose*.yml"))
GPU_OVERRIDE = ROOT / "docker-compose.gpu.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
DAGSTER_YAML = ROOT / "docker" / "dagster.yaml"
WORKSPACE = ROOT / "docker" / "workspace.docker.yaml"
INIT_SQL = ROOT / "docker" / "postgres" / "init.sql"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"

SERVICES = {"postgres", "user_code", "webserver", "daemon", "mlflow"}
APP_SERVICES = ("user_code", "webserver", "daemon", "mlflow")
DAGSTER_SERVICES = ("user_code", "webserver", "daemon")
DAGSTER_HOME = "/opt/dagster/home"
# The order the stack starts in: each service waits until those of the stages before it are healthy.
START_ORDER = [{"postgres"}, {"mlflow"}, {"user_code"}, {"webserver", "daemon"}]

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}
_BRACED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
_BARE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY", re.IGNORECASE)


# --- helpers ---------------------------------------------------------------------------------


def load_env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f".env.example: not KEY=VALUE: {line!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def referenced_variables(text: str) -> set[str]:
    """Variables compose interpolates; ``$$`` is a literal dollar for the container's shell."""
    text = text.replace("$$", "")
    return {m.group(1) for m in _BRACED.finditer(text)} | {m.group(1) for m in _BARE.finditer(text)}


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose-style interpolation of one string."""

    def braced(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        present = name in variables
        current = variables.get(name, "")
        if op is None:
            return current
        set_ = bool(current) if op.startswith(":") else present
        if op.endswith("-"):
            return current if set_ else arg
        if op.endswith("?"):
            if not set_:
                raise KeyError(f"required variable {name} is missing: {arg}")
            return current
        return arg if set_ else ""  # +

    parts = value.split("$$")
    out = [_BARE.sub(lambda m: variables.get(m.group(1), ""), _BRACED.sub(braced, p)) for p in parts]
    return "$".join(out)


def resolved(node, variables: dict[str, str]):
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, list):
        return [resolved(item, variables) for item in node]
    if isinstance(node, dict):
        return {key: resolved(item, variables) for key, item in node.items()}
    return node


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from strings(key)
            yield from strings(item)


def command_args(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def option(args: list[str], *names: str) -> str:
    for i, arg in enumerate(args[:-1]):
        if arg in names:
            return args[i + 1]
    raise AssertionError(f"none of {names} in {args}")


def environment(service: dict) -> dict[str, str]:
    value = service.get("environment") or {}
    if isinstance(value, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in value)
    return {key: "" if item is None else str(item) for key, item in value.items()}


def container_ports(service: dict, variables: dict[str, str]) -> set[int]:
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(interpolate(str(entry), variables).split("/")[0].rsplit(":", 1)[-1]))
    return ports


def volume_mounts(service: dict) -> list[tuple[str, str]]:
    """(source, target) of each volume of a service, short or long syntax."""
    mounts = []
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            mounts.append((str(entry.get("source", "")), str(entry["target"])))
        else:
            source, _, rest = str(entry).partition(":")
            mounts.append((source, rest.split(":")[0]))
    return mounts


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    instructions, pending = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    return instructions


def dockerfile_env() -> dict[str, str]:
    """The image's ENV settings (KEY=VALUE form)."""
    out = {}
    for keyword, args in dockerfile_instructions():
        if keyword == "ENV":
            out |= dict(part.split("=", 1) for part in shlex.split(args))
    return out


def dockerfile_copies() -> list[tuple[list[str], str, str]]:
    """(sources, destination resolved against WORKDIR, WORKDIR) for each COPY from the context."""
    copies, workdir = [], "/"
    for keyword, args in dockerfile_instructions():
        if keyword == "WORKDIR":
            workdir = str(PurePosixPath(workdir) / args)
        elif keyword == "COPY":
            parts = [p for p in shlex.split(args) if not p.startswith("--")]
            if any(p.startswith("--from") for p in shlex.split(args)):
                continue
            *sources, dest = parts
            copies.append((sources, str(PurePosixPath(workdir) / dest), workdir))
    return copies


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def variables() -> dict[str, str]:
    return load_env_example()


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose, variables) -> dict[str, dict]:
    return resolved(compose["services"], variables)


@pytest.fixture(scope="module")
def workspace() -> dict:
    return yaml.safe_load(WORKSPACE.read_text())


# --- the services ----------------------------------------------------------------------------


def test_compose_files_parse_without_obsolete_version_key():
    assert COMPOSE in COMPOSE_FILES and GPU_OVERRIDE in COMPOSE_FILES
    for path in COMPOSE_FILES:
        data = yaml.safe_load(path.read_text())
        assert isinstance(data, dict) and "services" in data, path.name
        assert "version" not in data, f"{path.name}: the `version` key is obsolete"


def test_services_present(compose):
    assert set(compose["services"]) >= SERVICES


def test_app_services_share_one_image(compose):
    images = {compose["services"][name].get("image") for name in APP_SERVICES}
    assert len(images) == 1 and None not in images
    for name in APP_SERVICES:
        build = compose["services"][name]["build"]
        assert build["context"] == "."
        assert build["dockerfile"] == "docker/Dockerfile"


def test_postgres_is_pgvector_with_healthcheck_and_init_script(services):
    postgres = services["postgres"]
    assert postgres["image"].startswith("pgvector/pgvector:")
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))
    env_vars = environment(postgres)
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(env_vars)
    mounts = dict(volume_mounts(postgres))
    init = [src for src, dst in mounts.items() if dst.startswith("/docker-entrypoint-initdb.d/")]
    assert init == ["./docker/postgres/init.sql"]
    assert INIT_SQL.exists()


def test_init_sql_creates_databases_and_vector_extension():
    sql = INIT_SQL.read_text().lower()
    assert re.search(r"create extension if not exists vector\b", sql)
    for name in (env.DAGSTER_DB, env.MLFLOW_DB):
        assert f"create database {name}" in sql


def test_services_start_in_order_once_what_they_need_is_healthy(compose):
    services = compose["services"]
    assert set().union(*START_ORDER) == set(services)

    def needs(name: str) -> set[str]:
        direct = set(services[name].get("depends_on") or {})
        return direct.union(*(needs(d) for d in direct))

    for stage, names in enumerate(START_ORDER):
        before = set().union(*START_ORDER[:stage])
        for name in names:
            depends = services[name].get("depends_on") or {}
            assert isinstance(depends, dict), f"{name}: depends_on needs conditions, not a list"
            assert {d.get("condition") for d in depends.values()} <= {"service_healthy"}, name
            assert not stage or START_ORDER[stage - 1] <= set(depends), name
            assert needs(name) == before, name


def test_every_service_has_a_health_check_its_image_can_run(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert isinstance(check["test"], list) and check["test"][0] in {"CMD", "CMD-SHELL"}, name
        for key in ("interval", "timeout", "retries", "start_period"):
            assert key in check, f"{name}: healthcheck.{key} is missing"
    # The Dagster services' checks are Dagster commands: they exist in the installed version.
    for name in ("user_code", "daemon"):
        command, *args = compose["services"][name]["healthcheck"]["test"][1:]
        assert command.startswith("dagster"), name
        shown = subprocess.run(
            [env.executable(command), *args, "--help"], capture_output=True, text=True, timeout=120
        )
        assert shown.returncode == 0, f"{name}: {shown.stderr[-2000:]}"


# --- variables and secrets -------------------------------------------------------------------


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_every_variable_is_defined_in_env_example(path, variables):
    missing = referenced_variables(path.read_text()) - set(variables)
    assert not missing, f"{path.name} reads {sorted(missing)}, not defined in .env.example"


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_files_interpolate_with_env_example(path, variables):
    resolved(yaml.safe_load(path.read_text()), variables)


def test_missing_password_fails_loudly():
    text = COMPOSE.read_text()
    uses = re.findall(r"\$\{POSTGRES_PASSWORD([^}]*)\}", text)
    assert uses and all(op.startswith(":?") for op in uses)
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        interpolate("${POSTGRES_PASSWORD:?set it}", {})


def test_no_secret_literal_in_compose(compose):
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if _SECRET_KEY.search(key) and value:
                assert _BRACED.fullmatch(value), f"{name}.{key} must come from ${{...}}, not a literal"
    for text in strings(compose):
        # Any password inside a URL (user:password@host) must be a ${...} reference.
        masked = _BRACED.sub("<var>", text)
        for match in re.finditer(r"://[^/@\s:]*:([^/@\s]*)@", masked):
            assert match.group(1) == "<var>", f"literal password in {text!r}"


def test_env_example_secrets_are_placeholders(variables):
    for key, value in variables.items():
        if _SECRET_KEY.search(key) and value:
            assert "change-me" in value, f".env.example: {key} must be an obvious placeholder"


# --- ports and the workspace -----------------------------------------------------------------


def test_webserver_port_and_workspace(services, variables, workspace):
    webserver = services["webserver"]
    args = command_args(webserver)
    assert args[0] == "dagster-webserver"
    assert option(args, "-p", "--port") == "3000"
    assert option(args, "-h", "--host") == "0.0.0.0"
    assert container_ports(webserver, variables) == {3000}
    workspace_path = option(args, "-w", "--workspace")
    assert workspace_path == "/opt/dagster/app/docker/workspace.docker.yaml"
    assert option(command_args(services["daemon"]), "-w", "--workspace") == workspace_path
    assert command_args(services["daemon"])[:2] == ["dagster-daemon", "run"]


def test_code_server_port_agrees_with_workspace(services, workspace):
    user_code = services["user_code"]
    args = command_args(user_code)
    assert args[:3] == ["dagster", "code-server", "start"]
    assert option(args, "-m", "--module-name") == "nex_assets.definitions"
    assert option(args, "-h", "--host") == "0.0.0.0"
    port = int(option(args, "-p", "--port"))
    assert port == 4000
    assert str(port) in [str(p) for p in user_code.get("expose", [])]
    [entry] = workspace["load_from"]
    grpc = entry["grpc_server"]
    assert grpc["host"] == "user_code" and grpc["host"] in services
    assert int(grpc["port"]) == port
    assert grpc["location_name"] == "nex"


def test_mlflow_port(services, variables):
    mlflow = services["mlflow"]
    args = command_args(mlflow)
    assert args[:2] == ["mlflow", "server"]
    assert option(args, "--port", "-p") == "5000"
    assert option(args, "--host", "-h") == "0.0.0.0"
    assert container_ports(mlflow, variables) == {5000}
    assert environment(services["user_code"])["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"


# --- databases -------------------------------------------------------------------------------


def test_nex_database_url_points_at_the_warehouse(services, variables):
    url = environment(services["user_code"])["NEX_DATABASE_URL"]
    database = env.parse_database_url(url)
    assert database.host == "postgres"
    assert database.port == 5432
    assert database.dbname == env.WAREHOUSE_DB == "nex"
    assert database.user == variables["POSTGRES_USER"]
    assert database.password == variables["POSTGRES_PASSWORD"]
    postgres = environment(services["postgres"])
    assert postgres["POSTGRES_DB"] == database.dbname
    assert postgres["POSTGRES_USER"] == database.user


def test_mlflow_backend_store_is_the_mlflow_database(services, variables):
    args = command_args(services["mlflow"])
    parts = urlsplit(option(args, "--backend-store-uri"))
    assert parts.scheme.startswith("postgresql")
    assert parts.hostname == "postgres" and (parts.port or 5432) == 5432
    assert parts.path.lstrip("/") == env.MLFLOW_DB
    assert parts.username == variables["POSTGRES_USER"]
    artifacts = option(args, "--artifacts-destination")
    assert artifacts in {target for _, target in volume_mounts(services["mlflow"])}


def test_dagster_instance_uses_the_dagster_database(services):
    instance = yaml.safe_load(DAGSTER_YAML.read_text())
    postgres_db = instance["storage"]["postgres"]["postgres_db"]
    assert postgres_db["db_name"] == env.DAGSTER_DB
    expected = {
        "username": "NEX_PG_USER",
        "password": "NEX_PG_PASSWORD",
        "hostname": "NEX_PG_HOST",
        "port": "NEX_PG_PORT",
    }
    for field, var in expected.items():
        assert postgres_db[field] == {"env": var}
    assert instance["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert instance["telemetry"]["enabled"] is False
    for name in DAGSTER_SERVICES:
        service_env = environment(services[name])
        assert set(expected.values()) <= set(service_env), name
        assert service_env["NEX_PG_HOST"] == "postgres"
        assert service_env["DAGSTER_HOME"] == DAGSTER_HOME
        mounts = volume_mounts(services[name])
        assert ("./docker/dagster.yaml", f"{DAGSTER_HOME}/dagster.yaml") in mounts, name


# --- volumes and the GPU ---------------------------------------------------------------------


def test_named_volumes_declared(compose):
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in compose["services"].values():
        for source, _ in volume_mounts(service):
            if source and not source.startswith((".", "/", "~", "$")):
                used.add(source)
    assert used, "no named volume"
    assert used <= declared, f"undeclared volumes: {sorted(used - declared)}"
    assert declared <= used, f"declared but unused: {sorted(declared - used)}"
    postgres_targets = {target for _, target in volume_mounts(compose["services"]["postgres"])}
    assert "/var/lib/postgresql/data" in postgres_targets


def test_gpu_override_reserves_an_nvidia_device_for_user_code(compose):
    override = yaml.safe_load(GPU_OVERRIDE.read_text())
    assert set(override["services"]) == {"user_code"}
    devices = override["services"]["user_code"]["deploy"]["resources"]["reservations"]["devices"]
    [device] = devices
    assert device["driver"] == "nvidia"
    assert device["count"] in (1, "all")
    assert "gpu" in device["capabilities"]
    # The base stack stays runnable without a GPU.
    assert "deploy" not in compose["services"]["user_code"]


# --- the image -------------------------------------------------------------------------------


def test_dockerfile_copies_existing_paths_and_installs_the_project(services, monkeypatch):
    instructions = dockerfile_instructions()
    froms = [args for keyword, args in instructions if keyword == "FROM"]
    assert froms and froms[0].split()[0] == "python:3.11-slim"
    workdirs = [args for keyword, args in instructions if keyword == "WORKDIR"]
    assert workdirs[-1] == "/opt/dagster/app"

    copies = dockerfile_copies()
    copied: set[str] = set()
    for sources, _, _ in copies:
        for source in sources:
            if any(ch in source for ch in "*?["):
                continue  # a pattern may match nothing; BuildKit allows that on purpose
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
            copied.add(source.rstrip("/"))
    patterns = [s.rstrip("/") for sources, _, _ in copies for s in sources if any(c in s for c in "*?[")]

    readme = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("readme")
    # Every folder the code reads from the project, from the code's own path settings at their defaults.
    from nex_assets.core import env

    for variable in [v for v in os.environ if v.startswith("NEX_") and v.endswith("_DIR")]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv("NEX_PROJECT_DIR", str(ROOT))
    folders = {str(p.relative_to(ROOT)) for p in env.project_folders().values()}
    required = {"pyproject.toml", "nex_assets", "workspace.yaml", *folders}
    if isinstance(readme, str):
        required.add(readme)
    for path in required:
        covered = path in copied or any(fnmatch.fnmatch(path, p) for p in patterns)
        assert covered, f"Dockerfile does not copy {path}"

    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert re.search(r"pip install (?:[^&]* )?\.(?:\s|$)", runs), "the project is not installed with pip"
    assert "nex dbt prepare" in runs
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}

    # The workspace file the webserver and daemon read is in the image at that path.
    workspace_path = option(command_args(services["webserver"]), "-w", "--workspace")
    destinations = {dest for sources, dest, _ in copies if sources == ["docker/workspace.docker.yaml"]}
    assert workspace_path in destinations


def test_docker_instance_has_the_same_concurrency_and_retries_as_the_local_one():
    from nex_assets.core import instance

    config = yaml.safe_load((ROOT / "docker" / "dagster.yaml").read_text())
    assert config["concurrency"] == instance.CONCURRENCY
    assert config["run_retries"] == instance.RUN_RETRIES


# --- the first start -------------------------------------------------------------------------


def first_start(project: Path, **settings: str) -> subprocess.CompletedProcess:
    """docker/entrypoint.sh as the image runs it (`nex` on the PATH, the project at NEX_PROJECT_DIR),
    with a command that says it started."""
    environ = {k: v for k, v in os.environ.items() if k != "NEX_SAMPLE_WORLD"}
    environ |= {
        "NEX_PROJECT_DIR": str(project),
        "PATH": f"{Path(env.executable('nex')).parent}{os.pathsep}{os.environ['PATH']}",
        **settings,
    }
    return subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), "sh", "-c", "echo started"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_container_starts_through_the_first_start_step(compose):
    [entrypoint] = [
        json.loads(args) for keyword, args in dockerfile_instructions() if keyword == "ENTRYPOINT"
    ]
    shell, script = entrypoint
    assert shell == "/bin/sh"
    assert script in {dest for sources, dest, _ in dockerfile_copies() if sources == ["docker/entrypoint.sh"]}
    for name in APP_SERVICES:
        assert "entrypoint" not in compose["services"][name], f"{name} bypasses the first-start step"
    # The world it writes under the project's data folder lands in user_code's data volume.
    data = str(PurePosixPath(dockerfile_env()["NEX_PROJECT_DIR"]) / "data")
    mounts = volume_mounts(compose["services"]["user_code"])
    assert any(target == data and not source.startswith((".", "/")) for source, target in mounts)


def test_the_first_start_writes_the_sample_world_the_catalog_reads_once(tmp_path):
    project = tmp_path / "app"
    first = first_start(project)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.splitlines()[-1] == "started"
    sources = [ds.source.path for ds in load_catalog(ROOT / "datasets") if ds.source.path]
    assert sources
    for source in sources:
        assert PurePosixPath(source).parts[0] == "data", source
        assert list(project.glob(source)), f"the first start wrote nothing at {source}"

    # A later start keeps what is there, edits included.
    written = sorted(project.glob("data/**/*.csv"))
    written[0].write_text(written[0].read_text() + "edited\n")
    before = {p: p.read_bytes() for p in written}
    later = first_start(project)
    assert later.returncode == 0 and later.stdout.strip() == "started", later.stderr[-3000:]
    assert {p: p.read_bytes() for p in written} == before

    # A first start cut short (the generator's last file missing) is redone by the next.
    [truth] = project.glob("data/**/ground_truth.json")
    truth.unlink()
    redone = first_start(project)
    assert redone.returncode == 0 and truth.exists()


def test_the_first_start_can_be_skipped_for_a_project_with_data_of_its_own(tmp_path):
    out = first_start(tmp_path / "app", NEX_SAMPLE_WORLD="off")
    assert out.returncode == 0 and out.stdout.strip() == "started"
    assert not (tmp_path / "app").exists()
