"""deploy/Dockerfile and deploy/compose.yaml: valid, and what the bot needs from them."""

from __future__ import annotations

import ipaddress
import re
import subprocess

import yaml

from bot.serve import SHUTDOWN_GRACE_SECONDS
from bot.settings import BotSettings
from tests.deploy.tools import DEPLOY, tool


def setting_names() -> set[str]:
    return {field.validation_alias for field in BotSettings.model_fields.values()}


def dockerfile_env() -> dict[str, str]:
    """Every variable the Dockerfile's ENV instructions set."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    return {
        name: value
        for line in text.splitlines()
        if line.startswith("ENV ")
        for name, value in re.findall(r"(\w+)=(\S+)", line)
    }


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def seconds(duration: str) -> float:
    amount, unit = re.fullmatch(r"(\d+)(s|m)", duration).groups()
    return float(amount) * (60 if unit == "m" else 1)


def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_file_follows_the_compose_specification() -> None:
    result = subprocess.run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            DEPLOY / "compose.yaml",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_sets_only_settings_the_bot_reads() -> None:
    thaidraw_variables = {name for name in dockerfile_env() if name.startswith("THAIDRAW_")}
    assert thaidraw_variables <= setting_names()
    assert dockerfile_env()["THAIDRAW_DATA_DIR"] == "/data"
    assert dockerfile_env()["THAIDRAW_WEIGHTS_DIR"] == "/weights"


def test_the_image_runs_as_a_user_other_than_root_and_checks_healthz() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    (user,) = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert user.split(":")[0] not in ("root", "0")
    assert "/healthz" in dockerfile[dockerfile.index("HEALTHCHECK") :]


def test_the_bot_service_reserves_the_gpu_and_reads_its_settings_from_dot_env() -> None:
    bot = compose()["services"]["bot"]
    (device,) = bot["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia"
    assert device["capabilities"] == ["gpu"]
    assert bot["env_file"] == ".env"
    assert {"data:/data", "weights:/weights"} <= set(bot["volumes"])
    assert set(bot["environment"]) <= setting_names()


def test_the_bot_gets_the_time_its_graceful_shutdown_takes() -> None:
    bot = compose()["services"]["bot"]
    assert seconds(bot["stop_grace_period"]) > SHUTDOWN_GRACE_SECONDS
    assert bot["init"] is True  # SIGTERM reaches the bot, which then stops its generator


def test_only_caddy_is_reachable_from_outside_the_host() -> None:
    services = compose()["services"]
    assert all(port.startswith("127.0.0.1:") for port in services["bot"]["ports"])
    assert {"80:80", "443:443"} <= set(services["caddy"]["ports"])
    assert services["caddy"]["environment"]["THAIDRAW_UPSTREAM"] == "bot:8000"


def test_the_bot_believes_forwarded_headers_from_caddy_alone() -> None:
    services = compose()["services"]
    caddy_address = services["caddy"]["networks"]["default"]["ipv4_address"]
    trusted = services["bot"]["environment"]["THAIDRAW_TRUSTED_PROXIES"]
    assert trusted == caddy_address
    (subnet,) = compose()["networks"]["default"]["ipam"]["config"]
    assert ipaddress.ip_address(caddy_address) in ipaddress.ip_network(subnet["subnet"])
