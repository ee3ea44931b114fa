"""`GET /healthz`: can the bot draw right now? 200 or 503, with the reasons, as JSON.

It answers anyone who can reach it, so it says only states: no versions, paths, process ids or
error texts (those go to the log, and /metrics has the figures).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from bot.bridge import LoopBridge
from bot.generators import GeneratorState, GeneratorStatus
from bot.service import DrawService

log = logging.getLogger(__name__)

LOOP_TIMEOUT_SECONDS = 2.0  # the loop answers in microseconds unless something blocks it


@dataclass(frozen=True)
class Health:
    """What `/healthz` answers: healthy, or the reasons it is not, and the state of each part."""

    reasons: list[str]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict[str, Any]:
        status = "ok" if self.healthy else "unhealthy"
        return {"status": status, "reasons": self.reasons, **self.details}


def generator_problem(status: GeneratorStatus) -> str | None:
    """Why the generator process (or no GPU worker) cannot draw now, or None when it can."""
    if status.alive:
        return None
    if status.workers:
        return "no GPU worker is ready"
    if status.state == GeneratorState.LOADING:
        return "the generator process is loading its models"
    if status.state == GeneratorState.LOAD_FAILED:
        return "the generator process could not load its models (the log says why)"
    if status.state == GeneratorState.DEAD:
        return "the generator process died and is being restarted"
    return "the generator process is not running"


def database_problem(service: DrawService) -> str | None:
    try:
        service.database.ping()
    except SQLAlchemyError as error:
        reason = " ".join(str(getattr(error, "orig", None) or error).split())
        log.warning("health check: the database is unreachable: %s", reason)
        return "the database is unreachable (the log says why)"
    return None


def check_health(
    service: DrawService, bridge: LoopBridge, loop_timeout: float = LOOP_TIMEOUT_SECONDS
) -> Health:
    """Database, generator process and event loop; call it from a thread other than the loop's."""
    status = service.generators.status()
    database = database_problem(service)
    generator = generator_problem(status)
    reasons = [problem for problem in (database, generator) if problem is not None]
    details: dict[str, Any] = {
        "database": "unreachable" if database else "ok",
        "generator": {"state": str(status.state)},
    }
    if status.workers:
        details["workers"] = [
            {
                # States only here too: devices and model versions are on the dashboard.
                "name": worker.name,
                "state": worker.state,
                "last_heartbeat": worker.heartbeat_at,
                "pictures": worker.pictures,
            }
            for worker in status.workers
        ]
    try:
        queue = bridge.call(service.queue_now(), loop_timeout)
    except TimeoutError:
        reasons.append(f"the event loop did not answer within {loop_timeout:g} s")
    else:
        details["queue"] = {"waiting": queue.waiting, "running": queue.running}
    return Health(reasons, details)


def health_blueprint(service: DrawService, bridge: LoopBridge) -> Blueprint:
    blueprint = Blueprint("health", __name__)

    @blueprint.get("/healthz")
    def healthz():
        health = check_health(service, bridge)
        response = jsonify(health.to_json())
        response.status_code = 200 if health.healthy else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    return blueprint
