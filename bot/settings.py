"""All of `thaidraw serve`'s configuration, from the environment (or `.env`)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from bot.nats_settings import NatsSettings
from generator.settings import GeneratorSettings
from storage.settings import StorageSettings

CommaList = Annotated[tuple[str, ...], NoDecode]
CommaIntList = Annotated[tuple[int, ...], NoDecode]
CommaNetworkList = Annotated[tuple[IPvAnyNetwork, ...], NoDecode]
LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")
MIN_TOKEN_CHARS = 16  # beyond loopback a token is all that keeps the world out


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BotSettings(GeneratorSettings, StorageSettings, NatsSettings):
    """Every variable `.env.example` lists; a bad value stops start-up naming the variable."""

    # the web server (LINE webhook, web page, images, health, metrics)
    host: str = Field("127.0.0.1", validation_alias="THAIDRAW_HOST")
    port: int = Field(8000, ge=1, le=65535, validation_alias="THAIDRAW_PORT")
    web_token: SecretStr | None = Field(None, validation_alias="THAIDRAW_WEB_TOKEN")
    public_base_url: str | None = Field(None, validation_alias="PUBLIC_BASE_URL")
    metrics_token: SecretStr | None = Field(None, validation_alias="THAIDRAW_METRICS_TOKEN")
    # Proxies whose X-Forwarded-For/-Proto are believed (IPs or networks; Caddy on this host).
    trusted_proxies: CommaNetworkList = Field(
        LOOPBACK_NETWORKS, validation_alias="THAIDRAW_TRUSTED_PROXIES"
    )
    # The web page's limits per client address (per visitor: the core's limits and 20 votes).
    address_draws_per_minute: int = Field(
        10, ge=1, validation_alias="THAIDRAW_ADDRESS_DRAWS_PER_MINUTE"
    )
    address_votes_per_minute: int = Field(
        60, ge=1, validation_alias="THAIDRAW_ADDRESS_VOTES_PER_MINUTE"
    )

    # Discord
    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_guild_ids: CommaIntList = Field((), validation_alias="DISCORD_GUILD_IDS")
    discord_allowed_channel_ids: CommaIntList = Field(
        (), validation_alias="DISCORD_ALLOWED_CHANNEL_IDS"
    )
    discord_allowed_role_ids: CommaIntList = Field((), validation_alias="DISCORD_ALLOWED_ROLE_IDS")
    discord_api_base_url: str = Field(
        "https://discord.com/api/v10", validation_alias="DISCORD_API_BASE_URL"
    )

    # LINE
    line_channel_secret: SecretStr | None = Field(None, validation_alias="LINE_CHANNEL_SECRET")
    line_channel_access_token: SecretStr | None = Field(
        None, validation_alias="LINE_CHANNEL_ACCESS_TOKEN"
    )
    line_api_base_url: str = Field("https://api.line.me", validation_alias="LINE_API_BASE_URL")
    line_data_api_base_url: str = Field(
        "https://api-data.line.me", validation_alias="LINE_DATA_API_BASE_URL"
    )
    line_delivery: Literal["reply", "push", "auto"] = Field(
        "auto", validation_alias="LINE_DELIVERY"
    )

    # the queue and its limits
    max_queue: int = Field(50, ge=1, validation_alias="THAIDRAW_MAX_QUEUE")
    max_jobs_per_user: int = Field(2, ge=1, validation_alias="THAIDRAW_MAX_JOBS_PER_USER")
    max_jobs_per_minute: int = Field(5, ge=1, validation_alias="THAIDRAW_MAX_JOBS_PER_MINUTE")
    batch_size: int = Field(4, ge=1, le=64, validation_alias="THAIDRAW_BATCH_SIZE")
    continuous_batching: bool = Field(True, validation_alias="THAIDRAW_CONTINUOUS_BATCHING")
    progress_every: int = Field(10, ge=1, validation_alias="THAIDRAW_PROGRESS_EVERY")
    blocklist: CommaList = Field((), validation_alias="THAIDRAW_BLOCKLIST")
    bot_names: CommaList = Field(("ThaiDraw",), validation_alias="THAIDRAW_BOT_NAMES")

    log_format: Literal["text", "json"] = Field("text", validation_alias="THAIDRAW_LOG_FORMAT")

    @field_validator(
        "web_token",
        "metrics_token",
        "public_base_url",
        "discord_token",
        "line_channel_secret",
        "line_channel_access_token",
        mode="before",
    )
    @classmethod
    def _blank_means_unset(cls, value: object) -> object:
        # `.env.example` copied as it is leaves `DISCORD_TOKEN=` empty: that means "off".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("blocklist", "bot_names", "trusted_proxies", mode="before")
    @classmethod
    def _split_words(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(word.strip() for word in value.split(",") if word.strip())
        return value

    @field_validator(
        "discord_guild_ids",
        "discord_allowed_channel_ids",
        "discord_allowed_role_ids",
        mode="before",
    )
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> BotSettings:
        if not is_loopback(self.host):
            if not self.web_token:
                raise ValueError(
                    f"THAIDRAW_WEB_TOKEN is required when THAIDRAW_HOST={self.host} is beyond "
                    "loopback"
                )
            for name, token in (("WEB", self.web_token), ("METRICS", self.metrics_token)):
                if token is not None and len(token.get_secret_value()) < MIN_TOKEN_CHARS:
                    raise ValueError(
                        f"THAIDRAW_{name}_TOKEN must be at least {MIN_TOKEN_CHARS} characters "
                        f"when THAIDRAW_HOST={self.host} is beyond loopback (make one with "
                        "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`)"
                    )
        if bool(self.line_channel_secret) != bool(self.line_channel_access_token):
            raise ValueError(
                "LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN must be set together"
            )
        return self

    @property
    def monitoring_token(self) -> str | None:
        """What /metrics asks of clients beyond loopback: its own token, else the web page's."""
        token = self.metrics_token or self.web_token
        return token.get_secret_value() if token else None

    @property
    def line_enabled(self) -> bool:
        return self.line_channel_secret is not None

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"

    @property
    def uploads_dir(self) -> Path:
        """Pictures users sent as starting points (never served)."""
        return self.data_dir / "uploads"
