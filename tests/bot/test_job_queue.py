"""The fair line: round-robin over communities, then people; truthful positions; one size a take."""

from __future__ import annotations

from bot.job_queue import JobQueue, PendingJob

SMALL, BIG = (64, 64), (128, 128)


def job(job_id: str, user: int, community: str = "", size=SMALL, at: float = 0.0) -> PendingJob:
    return PendingJob(job_id, user, size, community, queued_at=at)


def places(count: int, size=SMALL):
    return lambda asked: count if asked == size else 0


def test_a_burst_from_one_person_waits_behind_other_peoples_first_jobs():
    line = JobQueue()
    for n in range(5):
        line.push(job(f"eager{n}", user=1))
    assert line.push(job("bob", user=2)) == 2
    assert line.push(job("carol", user=3)) == 3
    assert line.job_ids() == ["eager0", "bob", "carol", "eager1", "eager2", "eager3", "eager4"]


def test_positions_shown_at_push_are_the_order_the_line_serves():
    line = JobQueue()
    shown = {job_id: line.push(job(job_id, user)) for job_id, user in [("a1", 1), ("b1", 2)]}
    served = [pending.job_id for pending in line.take(lambda size: 1)]
    assert shown == {"a1": 1, "b1": 2}
    assert served == ["a1"]
    assert line.position("b1") == 1  # it moved up as the one ahead left


def test_taking_jobs_does_not_reorder_those_left():
    line = JobQueue()
    for n in range(3):
        line.push(job(f"a{n}", user=1))
    line.push(job("b0", user=2))
    line.push(job("c0", user=3))
    before = line.job_ids()
    line.take(lambda size: 1)
    assert line.job_ids() == before[1:]
    line.take(lambda size: 1)
    assert line.job_ids() == before[2:]


def test_a_person_who_was_just_served_goes_behind_those_still_waiting():
    line = JobQueue()
    line.push(job("a0", user=1))
    line.push(job("b0", user=2))
    line.take(lambda size: 1)  # a0
    line.push(job("a1", user=1))
    assert line.job_ids() == ["b0", "a1"]


def test_one_busy_server_cannot_hold_back_another_server():
    line = JobQueue()
    for n in range(4):  # four people of one busy server
        line.push(job(f"busy{n}", user=10 + n, community="discord:1"))
    line.push(job("quiet", user=99, community="discord:2"))
    assert line.job_ids()[:2] == ["busy0", "quiet"]


def test_within_a_server_each_persons_second_job_goes_behind_the_others_first():
    line = JobQueue()
    line.push(job("ann1", user=1, community="line:group"))
    line.push(job("ann2", user=1, community="line:group"))
    line.push(job("ben1", user=2, community="line:group"))
    assert line.job_ids() == ["ann1", "ben1", "ann2"]


def test_a_retry_goes_first():
    line = JobQueue()
    line.push(job("a", user=1))
    assert line.push(job("retry", user=2), front=True) == 1


def test_a_take_holds_one_size_up_to_the_places():
    line = JobQueue()
    for job_id, size in [("s1", SMALL), ("b1", BIG), ("s2", SMALL), ("s3", SMALL)]:
        line.push(job(job_id, user=len(line) + 1, size=size))
    assert [p.job_id for p in line.take(places(2))] == ["s1", "s2"]
    assert line.job_ids() == ["b1", "s3"]


def test_a_job_of_another_size_that_waited_too_long_stops_the_running_size_taking_more():
    line = JobQueue()
    line.push(job("big", user=1, size=BIG, at=0.0))
    line.push(job("small", user=2, at=5.0))
    assert line.take(places(4), starving_after=10.0, now=9.0)[0].job_id == "small"
    line.push(job("small2", user=3, at=9.0))
    assert line.take(places(4), starving_after=10.0, now=11.0) == []  # big has waited 11 s
    assert [p.job_id for p in line.take(places(4, BIG), starving_after=10.0, now=12.0)] == ["big"]


def test_a_job_taken_out_of_turn_for_its_size_moves_no_one_back():
    line = JobQueue()
    line.push(job("c-big", user=1, community="c", size=BIG))
    line.push(job("c-small", user=1, community="c"))
    line.push(job("d-big", user=2, community="d", size=BIG))
    assert line.job_ids() == ["c-big", "d-big", "c-small"]
    assert [p.job_id for p in line.take(places(4))] == ["c-small"]  # the running size
    assert line.job_ids() == ["c-big", "d-big"]  # c-big keeps its place, d-big moved up
    line.push(job("c-big2", user=1, community="c", size=BIG))
    assert line.job_ids() == ["c-big", "d-big", "c-big2"]  # c's used round is skipped
    assert [p.job_id for p in line.take(places(4, BIG))] == ["c-big", "d-big", "c-big2"]


def test_removing_a_job_keeps_the_order_of_the_others():
    line = JobQueue()
    for n, user in enumerate([1, 1, 2, 3]):
        line.push(job(f"j{n}", user))
    line.remove("j2")
    assert line.job_ids() == ["j0", "j3", "j1"]
    assert line.take_all()[0].job_id == "j0"
    assert len(line) == 0
