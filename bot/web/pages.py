"""The pages: draw (`/`), the gallery, one page per picture, and the dashboard."""

from __future__ import annotations

from concurrent.futures import TimeoutError as CallTimeout
from dataclasses import asdict
from datetime import UTC, datetime

from flask import Blueprint, request

from bot.web.context import JOB_ID, WebContext
from bot.web.dashboard import day_bars, read_dashboard
from bot.web.errors import FormError
from bot.web.gallery_query import GalleryQuery, read_gallery_query
from bot.web.rendering import render_page
from bot.web.views import job_view
from generator.request import DEFAULT_SIZE, DEFAULT_STEPS
from generator.styles import STYLE_ENGLISH, STYLE_PRESETS
from storage.errors import JobNotFound
from storage.gallery import GalleryPage

# The original app's way of showing how prompts compose.
EXAMPLES = ("คฤหาสน์", "คฤหาสน์ แฟนตาซี", "คฤหาสน์ แฮรี่พอตเตอร์", "ตลาดน้ำยามเช้า ภาพสีน้ำ")
SIZE_CHOICES = (128, 192, 256, 320, 384, 448, 512)
DEFAULT_NEGATIVE = "ภาพเบลอ"  # the original app's default: blurry pictures are pushed away
MAX_PREFILL_CHARS = 2000
RECENT_PICTURES = 6
STYLE_CHOICES = [(style, STYLE_ENGLISH[style]) for style in STYLE_PRESETS]  # Thai, English

Page = tuple[str, int]


def pages_blueprint(web: WebContext) -> Blueprint:
    pages = Blueprint("pages", __name__)

    def notice(status: int, key: str) -> Page:
        return render_page(web, "web/notice.html", status, title_key=key, message_key=None)

    @pages.errorhandler(CallTimeout)
    def busy(_: CallTimeout) -> Page:
        return notice(503, "busy")

    @pages.get("/")
    def draw() -> Page:
        limits = web.core.settings.limits()
        watch = request.args.get("job", "")
        recent = web.call(web.service.gallery(limit=RECENT_PICTURES))
        return render_page(
            web,
            "web/draw.html",
            active="draw",
            styles=STYLE_CHOICES,
            examples=EXAMPLES,
            sizes=[s for s in SIZE_CHOICES if limits.min_size <= s <= limits.max_size],
            default_size=DEFAULT_SIZE,
            default_steps=min(DEFAULT_STEPS, limits.max_steps),
            default_negative=DEFAULT_NEGATIVE,
            limits=limits,
            prefill=request.args.get("text", "")[:MAX_PREFILL_CHARS],
            watch=watch if JOB_ID.fullmatch(watch) else "",
            recent=[job_view(item.job, item.votes) for item in recent.items],
        )

    @pages.get("/gallery")
    def gallery() -> Page:
        try:
            query = read_gallery_query(request.args)
            page = web.call(web.service.gallery(**asdict(query)))
        except (FormError, JobNotFound):
            query, page, status = GalleryQuery(), GalleryPage((), None), 400
        else:
            status = 200
        return render_page(
            web,
            "web/gallery.html",
            status,
            active="gallery",
            query=query,
            bad_query=status == 400,
            items=[job_view(item.job, item.votes) for item in page.items],
            older=page.older,
            styles=STYLE_CHOICES,
        )

    @pages.get("/jobs/<job_id>")
    def job(job_id: str) -> Page:
        state = web.job_state(job_id)
        if state is None:
            return notice(404, "job_not_found")
        return render_page(
            web,
            "web/job.html",
            active="gallery",
            job=job_view(state.job, state.votes),
        )

    @pages.get("/dashboard")
    def dashboard() -> Page:
        board = web.call(read_dashboard(web.service))
        return render_page(
            web,
            "web/dashboard.html",
            active="dashboard",
            board=board,
            days=day_bars(board.report.per_day, datetime.now(UTC).date()),
        )

    return pages
