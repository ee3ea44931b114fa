"""How to reach the NATS server that joins the bot to its GPU workers (both sides read these)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Stream, consumer and bucket names allow these; the prefix names every one of them.
PREFIX_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


class NatsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Unset: one machine, its own generator process. Set: GPU workers behind NATS JetStream.
    nats_url: SecretStr | None = Field(None, validation_alias="THAIDRAW_NATS_URL")
    nats_prefix: str = Field(
        "thaidraw", pattern=PREFIX_PATTERN, validation_alias="THAIDRAW_NATS_PREFIX"
    )
    nats_credentials: Path | None = Field(None, validation_alias="THAIDRAW_NATS_CREDENTIALS")
    nats_ca_file: Path | None = Field(None, validation_alias="THAIDRAW_NATS_CA_FILE")
    # Without a heartbeat for this long, a job goes to another worker.
    nats_ack_wait: float = Field(60.0, ge=1, le=3600, validation_alias="THAIDRAW_NATS_ACK_WAIT")

    @field_validator("nats_url", "nats_credentials", "nats_ca_file", mode="before")
    @classmethod
    def _blank_nats_setting_means_unset(cls, value: object) -> object:
        # Its own name: a subclass's validator of the same name would replace it.
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def nats_enabled(self) -> bool:
        return self.nats_url is not None
