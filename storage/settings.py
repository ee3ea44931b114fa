"""Where the database lives, from the environment (or `.env`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# SQLAlchemy (storage.urls) is imported where a URL is read, not with the settings: commands
# that never open the database (`thaidraw parse`) read these settings and must start at once.


class StorageSettings(BaseSettings):
    """`DATABASE_URL` when set, else SQLite under `THAIDRAW_DATA_DIR`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    data_dir: Path = Field(Path("data"), validation_alias="THAIDRAW_DATA_DIR")

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str | None) -> str | None:
        # `.env.example` copied as is leaves `DATABASE_URL=` empty: that means the default.
        if value is None or not value.strip():
            return None
        from sqlalchemy.exc import ArgumentError

        from storage.urls import normalise_database_url

        try:
            return normalise_database_url(value.strip())
        except ArgumentError:
            raise ValueError("not a database URL, e.g. postgresql://user:pass@host/db") from None

    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL to open (creates the data directory for the SQLite default)."""
        from storage.urls import default_database_url

        return self.database_url or default_database_url(self.data_dir)
