"""Every Thai sentence the core says to chat users, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.stats import QualityReport

from generator.styles import STYLE_ENGLISH, STYLE_PRESETS

SERVICE_STOPPING = "บอทกำลังปิดปรับปรุง ลองใหม่อีกครั้งในอีกสักครู่นะ"
NOTHING_TO_CANCEL = "ไม่มีงานของคุณที่ยกเลิกได้ตอนนี้"
JOB_NOT_FOUND = "ไม่พบงานนี้แล้ว อาจถูกลบไปหรือยังวาดไม่เสร็จ"
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


def queue_full(limit: int) -> str:
    return f"คิวเต็มแล้ว ({limit} งาน) รอสักครู่แล้วลองใหม่นะ"


def too_many_active_jobs(limit: int) -> str:
    return f"คุณมีงานรออยู่ {limit} งานแล้ว รอให้เสร็จก่อนหรือพิมพ์ /ยกเลิก"


def too_many_jobs_per_minute(limit: int) -> str:
    return f"สั่งวาดได้ไม่เกิน {limit} ครั้งต่อนาที รอสักครู่แล้วลองใหม่นะ"


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

BLOCKED_WORD = "ข้อความนี้มีคำที่บอทไม่รับวาด ลองเปลี่ยนคำแล้วสั่งใหม่นะ"


HELP = "\n".join(
    (
        "ThaiDraw วาดภาพจากข้อความภาษาไทย",
        "• /วาด ข้อความ (หรือ /draw) เช่น /วาด คฤหาสน์ แฟนตาซี",
        "• --neg ภาพเบลอ สิ่งที่ไม่อยากให้มีในภาพ (ใส่ได้หลายครั้ง)",
        "• --style ภาพสีน้ำ สไตล์ของภาพ ดูทั้งหมดด้วย /สไตล์ (/styles)",
        "• --steps 250 จำนวนรอบ ยิ่งมากยิ่งละเอียดแต่ช้าลง",
        "• --size 256x256 ขนาดภาพ กว้างxสูง",
        "• --seed 42 ใช้เลขเดิมเพื่อได้ภาพเดิมอีกครั้ง",
        "• --aesthetic 0.005 ให้ภาพสวยขึ้น, --neg-weight 0.4 ความแรงของ --neg",
        "• --init เริ่มจากรูปล่าสุดที่คุณส่งมา",
        "• ผสมหลายข้อความด้วย | และน้ำหนัก เช่น /วาด คฤหาสน์:1 | ทะเล:0.5",
        '• ข้อความใน "เครื่องหมายคำพูด" ถูกอ่านตามตัวอักษร',
        "คำสั่งอื่น: /คิว (/queue) ดูคิว · /ยกเลิก (/cancel) ยกเลิกงาน · "
        "/สถิติ (/stats) สถิติ · /ช่วยเหลือ (/help) วิธีใช้",
    )
)


def styles_list() -> str:
    """Every style preset, Thai name first, with the English name that also works."""
    lines = ["สไตล์ที่ใช้ได้ (ใส่หลัง --style เป็นชื่อไทยหรืออังกฤษก็ได้):"]
    lines.extend(f"• {style} ({STYLE_ENGLISH[style]})" for style in STYLE_PRESETS)
    return "\n".join(lines)


def unknown_command(name: str, suggestion: str | None) -> str:
    if suggestion:
        return f"ไม่รู้จักคำสั่ง /{name} หมายถึง /{suggestion} หรือเปล่า"
    return f"ไม่รู้จักคำสั่ง /{name} พิมพ์ /ช่วยเหลือ เพื่อดูคำสั่งทั้งหมด"


def unknown_option(option: str, suggestion: str | None, known: list[str]) -> str:
    if suggestion:
        return f"ไม่รู้จักตัวเลือก {option} หมายถึง {suggestion} หรือเปล่า"
    return f"ไม่รู้จักตัวเลือก {option} ใช้ได้: {' '.join(known)}"


def option_without_value(option: str, example: str) -> str:
    return f"ตัวเลือก {option} ต้องมีค่าตามหลัง เช่น {example}"


def not_an_integer(option: str, value: str, example: str) -> str:
    return f"{option} ต้องเป็นจำนวนเต็ม แต่ได้ “{value}” ให้เขียนเช่น {example}"


def not_a_number(option: str, value: str, example: str) -> str:
    return f"{option} ต้องเป็นตัวเลข แต่ได้ “{value}” ให้เขียนเช่น {example}"


def message_too_long(limit: int) -> str:
    return f"ข้อความยาวเกินไป ใส่ข้อความสำหรับวาดได้ไม่เกิน {limit} ตัวอักษร"


NO_INIT_IMAGE = "ยังไม่มีรูปเริ่มต้น ส่งรูปมาก่อน แล้วค่อยพิมพ์ /วาด ... --init"


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
