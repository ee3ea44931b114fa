from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from storage.database import Database
from tests.storage.builders import START


def test_a_user_is_created_on_first_sight_and_found_after(database: Database) -> None:
    created = database.users.get_or_create("discord", "1001", "Nok")
    assert (created.platform, created.platform_user_id, created.display_name) == (
        "discord",
        "1001",
        "Nok",
    )
    assert created.created_at == START
    assert database.users.get_or_create("discord", "1001", "Nok") == created


def test_the_same_id_on_another_platform_is_another_user(database: Database) -> None:
    on_discord = database.users.get_or_create("discord", "1001")
    on_line = database.users.get_or_create("line", "1001")
    assert on_discord.id != on_line.id


def test_a_new_display_name_is_kept_and_an_empty_one_ignored(database: Database) -> None:
    user = database.users.get_or_create("line", "U1", "Nok")
    renamed = database.users.get_or_create("line", "U1", "Noknoi")
    assert (renamed.id, renamed.display_name) == (user.id, "Noknoi")
    assert database.users.get_or_create("line", "U1").display_name == "Noknoi"


def test_concurrent_first_sightings_make_one_user(database: Database) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        users = list(pool.map(lambda _: database.users.get_or_create("web", "same"), range(16)))
    assert len({user.id for user in users}) == 1
