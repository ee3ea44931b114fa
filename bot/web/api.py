"""`/api/…`: the page's JSON calls. Each one hands its work to the core and answers at once."""

from __future__ import annotations

import re
from concurrent.futures import TimeoutError as CallTimeout
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from bot import messages as core_messages
from bot.http.bodies import BadBody, parse_json
from bot.service import Accepted, Refused, Reply
from bot.web.access import client_address, visitor_origin
from bot.web.context import JobState, WebContext
from bot.web.dashboard import read_dashboard
from bot.web.draw_form import DrawForm, understand
from bot.web.errors import FormError
from bot.web.gallery_query import read_gallery_query
from bot.web.messages import texts
from bot.web.rate_limit import RateLimiter
from bot.web.sse import JobEventStream
from bot.web.streams import StreamMessage, StreamsFull
from bot.web.views import job_view, short_prompt, state_message, votes_view
from storage.errors import JobNotFound
from storage.records import FeedbackCounts

# A web vote is a button press: a later press replaces the visitor's earlier one.
VOTES: dict[str, tuple[str, int]] = {"up": ("👍", 1), "down": ("👎", -1)}

JsonAnswer = tuple[dict[str, Any], int]

MAX_BODY_BYTES = 64 * 1024  # the draw form at its longest is about 30 KB of JSON
# A key the page makes per draw attempt and sends again on retry (visible ASCII, as RFC 9110).
IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,64}")
BODY_PROBLEM_KEYS = {"not_utf8": "not_utf8", "not_json": "json_required", "too_deep": "too_deep"}


def say(key: str, **values: str) -> str:
    """A text of the page's messages in the visitor's language."""
    return texts(g.language)[key].format(**values)


class ApiError(Exception):
    """An answer other than success: an HTTP status and a text of the page's messages."""

    def __init__(self, status: int, key: str, **values: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.values = values

    def text(self) -> str:
        return say(self.key, **self.values)


def json_body() -> Any:
    """The posted JSON, within limits. Requiring JSON also keeps other sites' HTML forms out."""
    if not request.is_json:
        raise ApiError(415, "json_required")
    request.max_content_length = MAX_BODY_BYTES  # a longer body is refused unread (413)
    try:
        return parse_json(request.get_data(cache=False))
    except BadBody as bad:
        raise ApiError(400, BODY_PROBLEM_KEYS[bad.problem]) from None


def idempotency_key() -> str | None:
    """The `Idempotency-Key` header: a retried draw with it gets its first job back."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        raise FormError("Idempotency-Key")
    return key


def count_for_address(limit: RateLimiter, refusal_key: str) -> None:
    """One more action from this client address, or 429 when it has had its share."""
    if not limit.allow(client_address()):
        raise ApiError(429, refusal_key)


def outcome_answer(outcome: Accepted | Refused | Reply | None) -> JsonAnswer:
    """The core's answer: a queued job (202) with what the bot adjusted in it (`notices`), a
    refusal (422), or a reply; refusals and notices in the visitor's language."""
    english = g.language == "en"
    if isinstance(outcome, Accepted):
        return {
            "job": job_view(outcome.job, FeedbackCounts()),
            "position": outcome.position,
            "notices": list(outcome.notices_english if english else outcome.notices),
        }, 202
    if isinstance(outcome, Refused):
        return {"error": outcome.english if english else outcome.message}, 422
    assert outcome is not None  # understand() always yields a command
    return {"reply": outcome.text}, 200


def api_blueprint(web: WebContext) -> Blueprint:
    api = Blueprint("api", __name__, url_prefix="/api")

    @api.errorhandler(ApiError)
    def refuse(error: ApiError) -> tuple[dict[str, Any], int, dict[str, str]]:
        # Limits count per minute: a client told to wait knows for how long at most.
        headers = {"Retry-After": "60"} if error.status == 429 else {}
        return {"error": error.text()}, error.status, headers

    @api.errorhandler(RequestEntityTooLarge)
    def too_large(_: RequestEntityTooLarge) -> JsonAnswer:
        return {"error": say("too_large")}, 413

    @api.errorhandler(HTTPException)
    def other_http_error(error: HTTPException) -> JsonAnswer:
        return {"error": say("bad_request")}, error.code or 400

    @api.errorhandler(FormError)
    def bad_field(error: FormError) -> JsonAnswer:
        return {"error": say("bad_field", field=error.field)}, 400

    @api.errorhandler(CallTimeout)
    def busy(_: CallTimeout) -> JsonAnswer:
        return {"error": say("busy")}, 503

    def find_job(job_id: str) -> JobState:
        state = web.job_state(job_id)
        if state is None:
            raise ApiError(404, "job_not_found")
        return state

    @api.post("/draw")
    def draw() -> JsonAnswer:
        key = idempotency_key()
        parsed, text = understand(DrawForm.from_json(json_body()), web.parse_context)
        if parsed.command == "draw" and parsed.error is None:
            count_for_address(web.address_draws_limit, "too_many_draws_here")
        handled = web.service.handle(parsed, visitor_origin(), text, idempotency_key=key)
        return outcome_answer(web.call(handled))

    @api.get("/jobs/<job_id>")
    def job(job_id: str) -> JsonAnswer:
        state = find_job(job_id)
        return {"job": job_view(state.job, state.votes), "position": state.position}, 200

    @api.get("/jobs/<job_id>/events")
    def events(job_id: str) -> Response:
        find_job(job_id)
        try:
            subscription = web.streams.open(job_id)
        except StreamsFull:
            raise ApiError(503, "too_many_watchers") from None

        def snapshot() -> StreamMessage:
            latest = web.streams.latest(job_id)
            if latest is not None:
                return latest
            state = find_job(job_id)
            return state_message(state.job, state.votes, state.position)

        stream = JobEventStream(subscription, snapshot, lambda: web.place_in_line(job_id))
        response = Response(stream, mimetype="text/event-stream")
        response.headers["X-Accel-Buffering"] = "no"  # a proxy in front must not hold events back
        return response

    @api.post("/jobs/<job_id>/feedback")
    def feedback(job_id: str) -> JsonAnswer:
        body = json_body()
        vote = body.get("vote") if isinstance(body, dict) else None
        if not isinstance(vote, str) or vote not in VOTES:
            raise FormError("vote")
        if find_job(job_id).job.status != "done":
            raise ApiError(409, "job_not_done")
        count_for_address(web.address_votes_limit, "too_many_votes_here")
        if not web.votes_limit.allow(g.visitor):
            raise ApiError(429, "too_many_votes")
        label, value = VOTES[vote]
        votes = web.call(
            web.service.record_feedback(job_id, visitor_origin(), "button", label, value)
        )
        if votes is None:
            raise ApiError(404, "job_not_found")
        return {"vote": vote, "votes": votes_view(votes)}, 200

    @api.post("/jobs/<job_id>/redraw")
    def redraw(job_id: str) -> JsonAnswer:
        find_job(job_id)
        count_for_address(web.address_draws_limit, "too_many_draws_here")
        return outcome_answer(web.call(web.service.redraw(job_id, visitor_origin())))

    @api.post("/jobs/<job_id>/cancel")
    def cancel(job_id: str) -> JsonAnswer:
        find_job(job_id)
        answer = web.call(web.service.cancel(visitor_origin(), job_id))
        # Said in the page's words, naming the job by its prompt rather than its id.
        job = find_job(job_id).job
        if job.status == "cancelled":
            return {"message": say("job_cancelled", prompt=short_prompt(job))}, 200
        if answer == core_messages.NOTHING_TO_CANCEL:
            return {"message": say("nothing_to_cancel")}, 200
        return {"message": say("job_stopping", prompt=short_prompt(job))}, 200

    @api.get("/gallery")
    def gallery() -> JsonAnswer:
        query = read_gallery_query(request.args)
        try:
            page = web.call(web.service.gallery(**asdict(query)))
        except JobNotFound:
            raise ApiError(400, "bad_page") from None
        items = [job_view(item.job, item.votes) for item in page.items]
        return {"items": items, "older": page.older}, 200

    @api.get("/dashboard")
    def dashboard() -> JsonAnswer:
        return web.call(read_dashboard(web.service)).to_dict(), 200

    return api
