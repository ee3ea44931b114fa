"""Every Thai sentence the LINE adapter says (the core's own sentences live in bot/messages.py)."""

from __future__ import annotations

from typing import Any

from bot import messages as core_messages

# Quick-reply button labels (LINE allows 20 characters).
SEE_PICTURE = "ดูรูป"
LIKE = "👍 ชอบ"
DISLIKE = "👎 ไม่ชอบ"
DRAW_AGAIN = "🔁 วาดใหม่"

QUOTA_OUT = (
    "โควตาข้อความที่บอทส่งเองได้ของเดือนนี้หมดแล้ว ภาพจึงไม่ส่งมาเอง "
    "กดปุ่ม “ดูรูป” หรือส่งข้อความถึงบอทเมื่อไรก็ได้ แล้วภาพที่วาดเสร็จจะตามมาในคำตอบ"
)
COMES_BY_ITSELF = "วาดเสร็จเมื่อไรจะส่งภาพมาในแชตนี้ทันที"
ASK_FOR_IT = "เมื่อวาดเสร็จ กดปุ่ม “ดูรูป” หรือส่งข้อความถึงบอท แล้วภาพจะตามมาในคำตอบ"

THANKS_LIKE = "ขอบคุณที่บอกนะ ดีใจที่ชอบ 😊"
THANKS_DISLIKE = "ขอบคุณที่บอกนะ ลองกด 🔁 เพื่อวาดใหม่ด้วยเลขสุ่มใหม่ได้"
UNKNOWN_BUTTON = "ปุ่มนี้ใช้ไม่ได้แล้ว ลองสั่ง /วาด ใหม่อีกครั้งนะ"
JOB_CANCELLED = "งานนี้ถูกยกเลิกไปแล้ว"
STILL_DRAWING = "กำลังวาดอยู่ อีกสักครู่กด “ดูรูป” อีกครั้งนะ"

PHOTO_SAVED = "ได้รับรูปแล้ว! พิมพ์ /วาด ข้อความ --init เพื่อวาดโดยเริ่มจากรูปนี้"
PHOTO_FROM_LINK = "รูปนี้เป็นลิงก์จากที่อื่น บอทใช้ได้เฉพาะรูปที่ส่งจากเครื่องโดยตรง"
PHOTO_DOWNLOAD_FAILED = "ดาวน์โหลดรูปจาก LINE ไม่สำเร็จ ลองส่งรูปใหม่อีกครั้งนะ"
PHOTO_NOT_A_PICTURE = "เปิดไฟล์นี้เป็นรูปไม่ได้ ลองส่งรูป JPEG หรือ PNG ใหม่อีกครั้งนะ"


def photo_too_large(limit_mb: int) -> str:
    return f"รูปใหญ่เกินไป ส่งรูปได้ไม่เกิน {limit_mb} MB ลองส่งรูปที่เล็กลงนะ"


def accepted(
    position: int, *, comes_by_itself: bool, quota_out: bool, notices: tuple[str, ...] = ()
) -> str:
    """The acknowledgement of a new job: its place in the queue, what the bot adjusted in the
    request, and how the picture will come."""
    how = QUOTA_OUT if quota_out else COMES_BY_ITSELF if comes_by_itself else ASK_FOR_IT
    return "\n".join((core_messages.queued(position), *notices, how))


def still_queued(position: int) -> str:
    return f"ยังรอคิวอยู่ เป็นคิวที่ {position} อีกสักครู่กด “ดูรูป” อีกครั้งนะ"


def caption(request: dict[str, Any], seed: int | None, seconds: float | None, job_id: str) -> str:
    """The recipe under a finished picture: enough to draw it again with the same seed."""
    prompts = " | ".join(_weighted(prompt) for prompt in request.get("prompts", ()))
    lines = [f"“{prompts}”"]
    negatives = ", ".join(prompt["text"] for prompt in request.get("negatives", ()))
    if negatives:
        lines.append(f"ไม่เอา: {negatives}")
    if request.get("styles"):
        lines.append(f"สไตล์: {', '.join(request['styles'])}")
    facts = [
        f"seed {seed}",
        f"{request.get('steps')} รอบ",
        f"{request.get('width')}×{request.get('height')}",
    ]
    if seconds is not None:
        facts.append(f"{seconds:.1f} วินาที" if seconds < 10 else f"{seconds:.0f} วินาที")
    lines.append(" · ".join(facts))
    lines.append(f"งาน {job_id}")
    return "\n".join(lines)


def _weighted(prompt: dict[str, Any]) -> str:
    weight = prompt.get("weight", 1.0)
    return prompt["text"] if weight == 1.0 else f"{prompt['text']}:{weight:g}"
