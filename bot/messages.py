"""Every Thai sentence the core says to chat users, in one place."""

from __future__ import annotations

SERVICE_STOPPING = "บอทกำลังปิดปรับปรุง ลองใหม่อีกครั้งในอีกสักครู่นะ"
NOTHING_TO_CANCEL = "ไม่มีงานของคุณที่ยกเลิกได้ตอนนี้"
JOB_NOT_FOUND = "ไม่พบงานนี้แล้ว อาจถูกลบไปหรือยังวาดไม่เสร็จ"
INTERRUPTED_TWICE = "ขอโทษนะ งานนี้ถูกขัดจังหวะสองครั้งจึงยกเลิกไป ลองสั่งวาดใหม่อีกครั้งได้เลย"
GENERATOR_CRASHED = "ขอโทษนะ เครื่องวาดภาพล้มระหว่างวาดงานนี้สองครั้ง ลองสั่งใหม่ด้วยขนาดเล็กลงหรือรอบน้อยลง"
GENERATOR_UNAVAILABLE = "ขอโทษนะ ตอนนี้เครื่องวาดภาพยังไม่พร้อม แจ้งผู้ดูแลบอทให้ตรวจสอบโมเดลด้วย"

_FAILURES = {
    "out_of_memory": "ภาพนี้ใหญ่เกินหน่วยความจำของการ์ดจอ ลองขนาดเล็กลง เช่น --size 256",
    "bad_picture": "เปิดรูปเริ่มต้นที่ส่งมาไม่ได้ ลองส่งรูป JPEG หรือ PNG ใหม่อีกครั้ง",
    "internal": "ขอโทษนะ เกิดข้อผิดพลาดระหว่างวาด ลองสั่งใหม่อีกครั้ง",
    "worker_died": GENERATOR_CRASHED,
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
