"""The deployment files parse and agree with each other and with the code (no Docker needed).

deploy/compose.yaml, deploy/Dockerfile, deploy/{dagster,workspace}.yaml, deploy/env.example,
deploy/helm/values.yaml and .dockerignore: services and ports line up, every setting named
there exists in the code, the code location's module exists, and the Helm values use the
chart's keys and the instance settings of dagster.yaml.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest
import yaml

from crm_kpi.config import PROJECT_ROOT
from crm_kpi.warehouse.resource import DBT_TARGET_ENV, PG_ENV

DEPLOY = PROJECT_ROOT / "deploy"
MODULE = "crm_kpi.orchestration.definitions"
SERVICES = {"postgres", "code", "webserver", "daemon"}
# Deployment-only settings: read by compose.yaml or the postgres init script, not by crm-kpi.
DEPLOY_ONLY = {
    "CRM_KPI_IMAGE",
    "CRM_KPI_WEBSERVER_BIND",
    "CRM_KPI_WAREHOUSE_PG_DB",
    "CRM_KPI_WAREHOUSE_PG_USER",
    "CRM_KPI_WAREHOUSE_PG_PASSWORD",
}
# Not settings: Warehouse.dbt_env() derives them from CRM_KPI_WAREHOUSE_URL for profiles.yml.
DERIVED = {DBT_TARGET_ENV, *PG_ENV.values()}
# Keys of Dagster's Helm chart (helm/dagster/schema: DagsterHelmValues, UserDeployment,
# K8sRunLauncherConfig, Daemon), checked with `search` against the chart of 1.12/1.13.
CHART_TOP_KEYS = {
    "global", "dagsterWebserver", "dagster-user-deployments", "postgresql",
    "generatePostgresqlPasswordSecret", "generateCeleryConfigSecret", "rabbitmq", "redis",
    "flower", "ingress", "imagePullSecrets", "computeLogManager", "scheduler", "runLauncher",
    "pythonLogs", "dagsterDaemon", "busybox", "migrate", "telemetry", "serviceAccount",
    "retention", "additionalInstanceConfig", "concurrency",
}  # fmt: skip
USER_DEPLOYMENT_KEYS = {
    "name", "image", "dagsterApiGrpcArgs", "codeServerArgs", "includeConfigInLaunchedRuns",
    "deploymentNamespace", "port", "replicaCount", "env", "envConfigMaps", "envSecrets",
    "annotations", "nodeSelector", "affinity", "tolerations", "podSecurityContext",
    "securityContext", "resources", "livenessProbe", "readinessProbe", "startupProbe", "labels",
    "volumeMounts", "volumes", "schedulerName", "initContainers", "sidecarContainers",
    "deploymentStrategy",
}  # fmt: skip
K8S_RUN_LAUNCHER_KEYS = {
    "image", "imagePullPolicy", "jobNamespace", "loadInclusterConfig", "kubeconfigFile",
    "envConfigMaps", "envSecrets", "envVars", "volumeMounts", "volumes", "labels",
    "failPodOnRunFailure", "resources", "schedulerName", "securityContext", "runK8sConfig",
}  # fmt: skip


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _code_text() -> str:
    return "\n".join(p.read_text() for p in (PROJECT_ROOT / "crm_kpi").rglob("*.py"))


def _env_example() -> dict[str, str]:
    """Every setting of env.example, set (``NAME=value``) or commented (``# NAME=value``)."""
    names = {}
    for line in (DEPLOY / "env.example").read_text().splitlines():
        match = re.match(r"^#? ?([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            names[match.group(1)] = match.group(2)
    return names


def _option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return _yaml(DEPLOY / "compose.yaml")


def test_compose_services_ports_and_workspace_agree(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == SERVICES
    code = services["code"]["command"]
    assert code[:3] == ["dagster", "api", "grpc"] and _option(code, "-m") == MODULE
    assert importlib.util.find_spec(MODULE) is not None
    [location] = _yaml(DEPLOY / "workspace.yaml")["load_from"]
    server = location["grpc_server"]
    assert server["host"] in services and server["port"] == int(_option(code, "-p"))
    assert server["location_name"] == _option(code, "--location-name")
    health = services["code"]["healthcheck"]["test"]
    assert health[1:4] == ["dagster", "api", "grpc-health-check"] and health[-1] == str(
        server["port"]
    )
    web = services["webserver"]["command"]
    [published] = services["webserver"]["ports"]
    assert published.rsplit(":", 1)[1] == _option(web, "-p")
    for name in ("webserver", "daemon"):
        command = services[name]["command"]
        assert _option(command, "-w") == "/opt/dagster/app/workspace.yaml", name
        assert services[name]["depends_on"]["code"]["condition"] == "service_healthy"
    # Compute logs are written where runs execute (code) and read by the webserver.
    for name in ("code", "webserver", "daemon"):
        assert "dagster_storage:/opt/dagster/dagster_home/storage" in services[name]["volumes"]
    declared = set(compose["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source.startswith("./") or source in declared, volume
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), volume


def test_every_setting_exists_in_the_code_and_in_the_env_example(compose: dict) -> None:
    example = _env_example()
    code = _code_text()
    instance = (DEPLOY / "dagster.yaml").read_text()
    for name in example:
        if name.startswith("SOURCES__"):
            crm, field = name.split("__")[1:3]
            source = (
                PROJECT_ROOT / "crm_kpi" / "sources" / crm.lower() / "__init__.py"
            ).read_text()
            assert re.search(rf"\b{field.lower()}:", source), name
        elif name not in DEPLOY_ONLY:
            assert f'"{name}"' in code or name in instance, f"{name} is read nowhere"
    # Every setting crm-kpi reads (each "CRM_KPI_..." name in its code) is in the example.
    assert set(re.findall(r'"(CRM_KPI_[A-Z0-9_]+)"', code)) - set(example) - DERIVED == set()
    # ... and every ${NAME} compose interpolates is documented there.
    interpolated = set(
        re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", (DEPLOY / "compose.yaml").read_text())
    )
    assert interpolated - set(example) == set()
    assert set(re.findall(r"env: ([A-Z0-9_]+)", instance)) <= set(example)
    assert re.search(r"^\.env$", (DEPLOY / ".gitignore").read_text(), re.M)


def test_compose_instance_is_the_postgres_instance_of_the_project() -> None:
    from dagster._core.instance.config import dagster_instance_config

    deployed = _yaml(DEPLOY / "dagster.yaml")
    assert deployed == _yaml(PROJECT_ROOT / "crm_kpi/orchestration/dagster.postgres.yaml")
    config, _ = dagster_instance_config(str(DEPLOY))  # validates against Dagster's schema
    assert set(config["storage"]) == {"postgres"}


def test_dockerfile_installs_the_lock_and_the_wheel_as_a_non_root_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert stages and all(image == "python:3.11-slim" for image in stages)
    assert "--require-hashes -r /tmp/requirements.lock" in text
    assert "--no-deps /tmp/wheels/crm_kpi-" in text
    assert "requirements-dev" not in text and "emulators" not in text.split("#")[0]
    assert "dbt parse" in text and "manifest.json" in text
    [user] = re.findall(r"^USER (\S+)", text, re.M)
    assert user not in {"root", "0"}
    assert re.search(r"^COPY deploy/dagster.yaml \$\{DAGSTER_HOME\}/dagster.yaml$", text, re.M)
    [cmd] = re.findall(r"^CMD (.+)$", text, re.M)
    assert MODULE in yaml.safe_load(cmd)
    assert {"3000", "4000"} <= set(re.findall(r"^EXPOSE (.+)$", text, re.M)[0].split())
    for name in re.findall(r"\b(CRM_KPI_[A-Z0-9_]+)=", text):
        assert f'"{name}"' in _code_text(), name


def test_dockerignore_lets_in_only_what_the_dockerfile_copies() -> None:
    patterns = [
        line for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]  # fmt: skip
    assert patterns[0] == "*"
    allowed = {p.lstrip("!").rstrip("/") for p in patterns if p.startswith("!")}
    copies = re.findall(r"^COPY (?!--from)(.+) \S+$", (DEPLOY / "Dockerfile").read_text(), re.M)
    for sources in copies:
        for source in shlex.split(sources):
            assert source.rstrip("/") in allowed, source
            assert (PROJECT_ROOT / source).exists(), source
    assert not {"tests", "emulators", ".venv", "requirements-dev.lock"} & allowed


def test_helm_values_use_the_chart_keys_and_the_instance_settings() -> None:
    values = _yaml(DEPLOY / "helm" / "values.yaml")
    instance = _yaml(DEPLOY / "dagster.yaml")
    assert set(values) <= CHART_TOP_KEYS
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert set(values["runLauncher"]["config"]["k8sRunLauncher"]) <= K8S_RUN_LAUNCHER_KEYS
    [deployment] = values["dagster-user-deployments"]["deployments"]
    assert set(deployment) <= USER_DEPLOYMENT_KEYS
    assert deployment["dagsterApiGrpcArgs"] == ["-m", MODULE]
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    code = _code_text()
    for name in deployment["env"]:
        assert f'"{name}"' in code, name
    # The same run queue limits, retries and telemetry as the compose instance.
    runs = instance["concurrency"]["runs"]
    helm_limits = values["concurrency"]["runs"]["tagConcurrencyLimits"]
    assert helm_limits == runs["tag_concurrency_limits"]
    assert (
        values["concurrency"]["pools"]["defaultLimit"]
        == (instance["concurrency"]["pools"]["default_limit"])
    )
    retries = values["dagsterDaemon"]["runRetries"]
    assert retries == {
        "enabled": instance["run_retries"]["enabled"],
        "maxRetries": instance["run_retries"]["max_retries"],
        "retryOnAssetOrOpFailure": instance["run_retries"]["retry_on_asset_or_op_failure"],
    }
    assert values["telemetry"] == instance["telemetry"]
    assert values["additionalInstanceConfig"]["freshness"] == instance["freshness"]
    # The chart's storage password comes from a secret, never from this file.
    assert values["postgresql"]["postgresqlPassword"] == ""
    assert values["generatePostgresqlPasswordSecret"] is False
