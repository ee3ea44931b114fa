from __future__ import annotations

import pytest

from storage import gallery
from storage.database import Database
from storage.errors import JobNotFound
from storage.gallery import GalleryPage, recent_pictures
from storage.records import FeedbackCounts
from tests.storage.builders import ManualClock, new_job
from tests.storage.seeded import seed_history


@pytest.fixture
def history(database: Database, clock: ManualClock) -> dict[str, str]:
    return seed_history(database, clock)


def names(page: GalleryPage, history: dict[str, str]) -> list[str]:
    by_id = {job_id: name for name, job_id in history.items()}
    return [by_id[item.job.id] for item in page.items]


def test_only_finished_pictures_are_shown_newest_first_with_their_votes(
    database: Database, history: dict[str, str]
) -> None:
    page = recent_pictures(database)
    assert names(page, history) == ["sea", "fantasy", "mansion"]
    assert [item.votes for item in page.items] == [
        FeedbackCounts(up=1, neutral=1),
        FeedbackCounts(down=1, neutral=1),
        FeedbackCounts(up=2),
    ]
    assert page.older is None


def test_a_style_filter_keeps_pictures_that_used_the_style(
    database: Database, history: dict[str, str]
) -> None:
    page = recent_pictures(database, style="ภาพสวย")
    assert names(page, history) == ["fantasy", "mansion"]


def test_liked_means_more_approvals_than_disapprovals_and_disliked_the_reverse(
    database: Database, history: dict[str, str]
) -> None:
    assert names(recent_pictures(database, vote="liked"), history) == ["sea", "mansion"]
    assert names(recent_pictures(database, vote="disliked"), history) == ["fantasy"]


def test_pages_continue_from_the_older_cursor_until_none_is_left(
    database: Database, history: dict[str, str]
) -> None:
    first = recent_pictures(database, limit=2)
    assert names(first, history) == ["sea", "fantasy"]
    assert first.older == history["fantasy"]
    second = recent_pictures(database, limit=2, before=first.older)
    assert names(second, history) == ["mansion"]
    assert second.older is None


def test_a_page_that_ends_on_the_oldest_picture_says_nothing_older_is_left(
    database: Database, history: dict[str, str]
) -> None:
    assert recent_pictures(database, limit=3).older is None


def test_filters_work_across_scan_batches(
    database: Database, history: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gallery, "SCAN_BATCH", 1)
    page = recent_pictures(database, vote="liked")
    assert names(page, history) == ["sea", "mansion"]
    assert page.older is None


def test_a_rare_filter_stops_after_the_scan_limit_and_the_cursor_goes_on(
    database: Database, history: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gallery, "SCAN_BATCH", 1)
    monkeypatch.setattr(gallery, "MAX_SCANNED", 1)
    first = recent_pictures(database, vote="disliked")
    assert (first.items, first.older) == ((), history["sea"])
    second = recent_pictures(database, vote="disliked", before=first.older)
    assert names(second, history) == ["fantasy"]


def test_an_unknown_or_unfinished_cursor_is_refused(
    database: Database, history: dict[str, str]
) -> None:
    waiting = new_job(database, database.users.get_or_create("web", "visitor").id)
    with pytest.raises(JobNotFound):
        recent_pictures(database, before="no-such-job")
    with pytest.raises(JobNotFound):
        recent_pictures(database, before=waiting.id)
