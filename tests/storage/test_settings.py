from __future__ import annotations

from pathlib import Path

import pytest

from generator.settings import SettingsError, load_settings
from storage.settings import StorageSettings
from storage.urls import display_url, normalise_database_url, sqlite_file


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("THAIDRAW_DATA_DIR", raising=False)


def test_by_default_the_database_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    url = StorageSettings().resolved_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'thaidraw.db'}"
    assert (tmp_path / "data").is_dir()


def test_the_data_directory_comes_from_thaidraw_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("THAIDRAW_DATA_DIR", str(tmp_path / "srv" / "thaidraw"))
    url = StorageSettings().resolved_database_url()
    assert sqlite_file(url) == tmp_path / "srv" / "thaidraw" / "thaidraw.db"


def test_database_url_wins_and_postgres_uses_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://bot:secret@db:5432/thaidraw")
    url = StorageSettings().resolved_database_url()
    assert url == "postgresql+psycopg://bot:secret@db:5432/thaidraw"
    assert not Path("data").exists()


def test_an_empty_database_url_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "  ")
    assert StorageSettings().resolved_database_url().startswith("sqlite:///")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////srv/t.db", "sqlite:////srv/t.db"),
    ],
)
def test_urls_are_normalised(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_displayed_urls_hide_the_password() -> None:
    shown = display_url("postgresql+psycopg://bot:secret@db/thaidraw")
    assert "secret" not in shown
    assert shown.startswith("postgresql+psycopg://bot:")


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "postgresql+psycopg://u@h/d"])
def test_only_file_based_sqlite_has_a_file(url: str) -> None:
    assert sqlite_file(url) is None


def test_a_malformed_database_url_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "::not a url")
    with pytest.raises(SettingsError, match=r"^configuration error: DATABASE_URL: .*database URL"):
        load_settings(StorageSettings)
