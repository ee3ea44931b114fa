"""Every Thai sentence the core says to chat users, in one place.

Refusals and notices are Sentences: Thai with an English twin, for the web page's English mode.
Whatever quotes the user's own words quotes an excerpt (generator.excerpt), never a flood.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from storage.stats import QualityReport

from generator.excerpt import excerpt
from generator.styles import STYLE_PRESETS, style_names


class Sentence(NamedTuple):
    """One thing said to a user, in Thai and in English."""

    thai: str
    english: str


SERVICE_STOPPING = Sentence(
    "บอทกำลังปิดปรับปรุง ลองใหม่อีกครั้งในอีกสักครู่นะ",
    "The bot is stopping for maintenance; try again in a moment.",
)
NOTHING_TO_CANCEL = "ไม่มีงานของคุณที่ยกเลิกได้ตอนนี้"
SOMETHING_WENT_WRONG = "ขอโทษนะ เกิดข้อผิดพลาดระหว่างทำคำสั่งนี้ ลองใหม่อีกครั้ง"
JOB_NOT_FOUND = Sentence(
    "ไม่พบงานนี้แล้ว อาจถูกลบไปหรือยังวาดไม่เสร็จ",
    "This job is gone: it may have been removed, or it is not finished yet.",
)
INTERRUPTED_TWICE = "ขอโทษนะ งานนี้ถูกขัดจังหวะสองครั้งจึงยกเลิกไป ลองสั่งวาดใหม่อีกครั้งได้เลย"
GENERATOR_CRASHED = "ขอโทษนะ เครื่องวาดภาพล้มระหว่างวาดงานนี้สองครั้ง ลองสั่งใหม่ด้วยขนาดเล็กลงหรือรอบน้อยลง"
GENERATOR_UNAVAILABLE = "ขอโทษนะ ตอนนี้เครื่องวาดภาพยังไม่พร้อม แจ้งผู้ดูแลบอทให้ตรวจสอบโมเดลด้วย"

_FAILURES = {
    "out_of_memory": "ภาพนี้ใหญ่เกินหน่วยความจำของการ์ดจอ ลองขนาดเล็กลง เช่น --size 256",
    "bad_picture": "เปิดรูปเริ่มต้นที่ส่งมาไม่ได้ ลองส่งรูป JPEG หรือ PNG ใหม่อีกครั้ง",
    "not_saved": "ขอโทษนะ วาดเสร็จแล้วแต่บันทึกภาพไม่ได้ แจ้งผู้ดูแลบอทให้ตรวจที่เก็บภาพด้วย แล้วลองสั่งใหม่อีกครั้ง",
    "internal": "ขอโทษนะ เกิดข้อผิดพลาดระหว่างวาด ลองสั่งใหม่อีกครั้ง",
}


def failure_reason(code: str | None) -> str:
    """The Thai sentence for why a job failed."""
    return _FAILURES.get(code or "internal", _FAILURES["internal"])


def queue_full(limit: int) -> Sentence:
    return Sentence(
        f"คิวเต็มแล้ว ({limit} งาน) รอสักครู่แล้วลองใหม่นะ",
        f"The queue is full ({limit} {_jobs(limit)}); wait a little and try again.",
    )


def too_many_active_jobs(limit: int) -> Sentence:
    return Sentence(
        f"คุณมีงานรออยู่ {limit} งานแล้ว รอให้เสร็จก่อนหรือพิมพ์ /ยกเลิก",
        f"You already have {limit} {_jobs(limit)} waiting; let them finish or cancel one.",
    )


def too_many_jobs_per_minute(limit: int) -> Sentence:
    return Sentence(
        f"สั่งวาดได้ไม่เกิน {limit} ครั้งต่อนาที รอสักครู่แล้วลองใหม่นะ",
        f"At most {limit} {'drawing' if limit == 1 else 'drawings'} a minute; "
        "wait a little and try again.",
    )


def _jobs(count: int) -> str:
    return "job" if count == 1 else "jobs"


def queued(position: int) -> str:
    if position <= 1:
        return "รับงานแล้ว! เป็นคิวถัดไป กำลังจะเริ่มวาด"
    return f"รับงานแล้ว! อยู่คิวที่ {position}"


def cancelled(job_id: str) -> str:
    return f"ยกเลิกงาน {job_id} แล้ว"


def cancelling(job_id: str) -> str:
    return f"กำลังหยุดงาน {job_id} ที่วาดอยู่"


def queue_summary(waiting: int, running: int, yours: list[tuple[str, int | None]]) -> str:
    """How long the line is, and where the asker's own jobs are in it."""
    lines = [f"ตอนนี้มี {waiting} งานรอคิว และกำลังวาด {running} งาน"]
    for job_id, position in yours:
        where = "กำลังวาด" if position is None else f"คิวที่ {position}"
        lines.append(f"• งาน {job_id}: {where}")
    if not yours:
        lines.append("คุณไม่มีงานค้างอยู่")
    return "\n".join(lines)


# The command language (bot/commands.py): help, the styles list, and why a message was refused.

BLOCKED_WORD = Sentence(
    "ข้อความนี้มีคำที่บอทไม่รับวาด ลองเปลี่ยนคำแล้วสั่งใหม่นะ",
    "The message has a word the bot does not draw; change it and try again.",
)


HELP = "\n".join(
    (
        "ThaiDraw วาดภาพจากข้อความภาษาไทย",
        "• /วาด ข้อความ (หรือ /draw) เช่น /วาด คฤหาสน์ แฟนตาซี",
        "• --neg หมา สิ่งที่ไม่อยากให้มีในภาพ (ใส่ได้หลายครั้ง) "
        "ถ้าไม่ใส่ บอทใส่ ภาพเบลอ ให้เอง, --neg ไม่มี คือไม่ใส่อะไรเลย",
        "• --style ภาพสีน้ำ สไตล์ของภาพ ดูทั้งหมดด้วย /สไตล์ (/styles)",
        "• --steps 250 จำนวนรอบ ยิ่งมากยิ่งละเอียดแต่ช้าลง",
        "• --size 256x256 ขนาดภาพ กว้างxสูง (ปัดลงเป็นทวีคูณของ 16)",
        "• --seed 42 ใช้เลขเดิมเพื่อได้ภาพเดิมอีกครั้ง",
        "• --aesthetic 0.005 ให้ภาพสวยขึ้น, --neg-weight 0.4 ความแรงของ --neg",
        "• --init เริ่มจากรูปล่าสุดที่คุณส่งมา",
        "• ชื่อไทยก็ได้: --ไม่เอา --สไตล์ --รอบ --ขนาด --เลขสุ่ม --รูปเริ่มต้น และเขียน --รอบ=120 หรือ -neg ก็ได้",
        "• ผสมหลายข้อความด้วย | และน้ำหนัก เช่น /วาด คฤหาสน์:1 | ทะเล:0.5",
        '• ข้อความใน "เครื่องหมายคำพูด" ถูกอ่านตามตัวอักษร',
        "คำสั่งอื่น: /คิว (/queue) ดูคิว · /ยกเลิก (/cancel) ยกเลิกงาน · "
        "/สถิติ (/stats) สถิติ · /ช่วยเหลือ (/help) วิธีใช้",
    )
)


def styles_list() -> str:
    """Every style preset, Thai name first, with the English name that also works."""
    lines = ["สไตล์ที่ใช้ได้ (ใส่หลัง --style เป็นชื่อไทยหรืออังกฤษก็ได้):"]
    lines.extend(f"• {style_names(style)}" for style in STYLE_PRESETS)
    return "\n".join(lines)


def unknown_command(name: str, suggestion: str | None) -> Sentence:
    name = excerpt(name)
    if suggestion:
        return Sentence(
            f"ไม่รู้จักคำสั่ง /{name} หมายถึง /{suggestion} หรือเปล่า",
            f"Unknown command /{name}; did you mean /{suggestion}?",
        )
    return Sentence(
        f"ไม่รู้จักคำสั่ง /{name} พิมพ์ /ช่วยเหลือ เพื่อดูคำสั่งทั้งหมด",
        f"Unknown command /{name}; type /help to see every command.",
    )


def unknown_option(option: str, suggestion: str | None, known: list[str]) -> Sentence:
    option = excerpt(option)
    if suggestion:
        return Sentence(
            f"ไม่รู้จักตัวเลือก {option} หมายถึง {suggestion} หรือเปล่า",
            f"Unknown option {option}; did you mean {suggestion}?",
        )
    return Sentence(
        f"ไม่รู้จักตัวเลือก {option} ใช้ได้: {' '.join(known)}",
        f"Unknown option {option}; the options are: {' '.join(known)}",
    )


def option_without_value(option: str, example: str) -> Sentence:
    return Sentence(
        f"ตัวเลือก {option} ต้องมีค่าตามหลัง เช่น {example}",
        f"The option {option} needs a value after it, e.g. {example}",
    )


def flag_with_value(option: str) -> Sentence:
    return Sentence(
        f"ตัวเลือก {option} ไม่ต้องมีค่า เขียนแค่ {option} ก็พอ",
        f"The option {option} takes no value; write just {option}",
    )


def not_an_integer(option: str, value: str, example: str) -> Sentence:
    value = excerpt(value)
    return Sentence(
        f"{option} ต้องเป็นจำนวนเต็ม แต่ได้ “{value}” ให้เขียนเช่น {example}",
        f"{option} must be a whole number, not '{value}'; write e.g. {example}",
    )


def not_a_number(option: str, value: str, example: str) -> Sentence:
    value = excerpt(value)
    return Sentence(
        f"{option} ต้องเป็นตัวเลข แต่ได้ “{value}” ให้เขียนเช่น {example}",
        f"{option} must be a number, not '{value}'; write e.g. {example}",
    )


def message_too_long(limit: int) -> Sentence:
    return Sentence(
        f"ข้อความยาวเกินไป ใส่ข้อความสำหรับวาดได้ไม่เกิน {limit} ตัวอักษร",
        f"The message is too long; a prompt may have at most {limit} characters.",
    )


def size_rounded(width: int, height: int, step: int) -> Sentence:
    return Sentence(
        f"ปรับขนาดภาพเป็น {width}×{height} เพราะแต่ละด้านต้องเป็นทวีคูณของ {step}",
        f"The size became {width}×{height}: each side must be a multiple of {step}.",
    )


def option_repeated(option: str, value: str) -> Sentence:
    value = excerpt(value)
    return Sentence(
        f"ใส่ {option} มากกว่าหนึ่งครั้ง ใช้ค่าสุดท้าย ({value})",
        f"{option} was given more than once; the last one ({value}) is used.",
    )


NO_INIT_IMAGE = Sentence(
    "ยังไม่มีรูปเริ่มต้น ส่งรูปมาก่อน แล้วค่อยพิมพ์ /วาด ... --init",
    "There is no starting picture yet: send a picture first, then draw with --init.",
)


def stats_summary(report: QualityReport) -> str:
    """/สถิติ: what the community made in the report's period, and how people liked it."""
    lines = [f"สถิติ 30 วันล่าสุด: วาดไป {report.statuses.get('done', 0)} ภาพ จาก {report.jobs} งาน"]
    if report.median_wait_seconds is not None and report.median_run_seconds is not None:
        lines.append(
            f"รอคิวเฉลี่ย (มัธยฐาน) {report.median_wait_seconds:.0f} วินาที "
            f"วาด {report.median_run_seconds:.0f} วินาที"
        )
    approval = report.overall.votes.approval
    if approval is not None:
        lines.append(f"คนชอบ {approval:.0%} ของภาพที่มีคนกดความเห็น")
    liked = [g for g in report.by_style if g.name and g.votes.approval is not None]
    if liked:
        best = max(liked, key=lambda group: (group.votes.approval, group.jobs))
        lines.append(f"สไตล์ที่คนชอบที่สุด: {best.name} ({best.votes.approval:.0%})")
    if report.top_prompts:
        lines.append("ข้อความยอดนิยม: " + ", ".join(g.name or "" for g in report.top_prompts))
    return "\n".join(lines)
