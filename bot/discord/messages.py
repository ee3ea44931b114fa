"""Every Thai sentence the Discord adapter says (the core's own are in bot/messages.py)."""

from __future__ import annotations

from bot import messages as core_messages

# --- answers to the person who used a command or button (ephemeral) ---------------------------

CHANNEL_NOT_ALLOWED = "ห้องนี้ยังไม่เปิดให้สั่งวาด ลองสั่งในห้องที่ผู้ดูแลเปิดไว้นะ"
ROLE_NOT_ALLOWED = "คำสั่งวาดใช้ได้เฉพาะสมาชิกที่มีบทบาทที่ผู้ดูแลกำหนดไว้"
BOT_CANNOT_POST = "บอทไม่มีสิทธิ์ส่งข้อความ แนบไฟล์ หรือฝังลิงก์ในห้องนี้ แจ้งผู้ดูแลให้เปิดสิทธิ์ด้วยนะ"
MODERATORS_ONLY = "คำสั่งนี้สำหรับผู้ดูแลที่มีสิทธิ์จัดการข้อความเท่านั้น"
DELETE_NOT_ALLOWED = "ลบภาพนี้ได้เฉพาะคนที่สั่งวาดหรือผู้ดูแลเท่านั้น"
INIT_NOT_AN_IMAGE = "รูปเริ่มต้นต้องเป็นไฟล์ PNG, JPEG หรือ WebP"
JOB_NOT_IN_THIS_SERVER = "ไม่พบงานนี้ในคิวของเซิร์ฟเวอร์นี้"
NO_JOB_ID = "ใส่รหัสงานที่จะยกเลิกด้วย ดูรหัสงานได้จาก /ดูแลคิว"
QUEUE_EMPTY_HERE = "ไม่มีงานของเซิร์ฟเวอร์นี้รอคิวอยู่"
HELP = "\n".join(
    (
        core_messages.HELP,
        "ใน Discord ใส่ตัวเลือกในช่องของคำสั่ง /วาด ได้เลย หรือพิมพ์ต่อท้ายข้อความแบบด้านบนก็ได้",
        "ใต้ภาพ: 🎲 วาดใหม่ด้วยเลขสุ่มใหม่ · ➕ วาดต่อจากภาพนี้ · 🗑️ ลบ · กด 👍 หรือ 👎 บอกว่าชอบไหม",
    )
)


def init_too_large(limit_bytes: int) -> str:
    return f"รูปเริ่มต้นใหญ่เกินไป ส่งได้ไม่เกิน {limit_bytes // (1024 * 1024)} MB"


def accepted(position: int, job_id: str) -> str:
    """The answer to a draw: its place in line, and how to cancel it."""
    return f"{core_messages.queued(position)} (งาน {job_id}) ยกเลิกได้ด้วย /ยกเลิก {job_id}"


def cleared(count: int) -> str:
    return f"ล้างคิวของเซิร์ฟเวอร์นี้แล้ว ยกเลิกไป {count} งาน"


def queue_listing(entries: list[tuple[int, str, str, str]], shown: int) -> str:
    """Moderators' view of this server's waiting jobs: (position, job id, author id, prompt)."""
    lines = [f"งานของเซิร์ฟเวอร์นี้ที่รอคิว {len(entries)} งาน:"]
    for position, job_id, author_id, prompt in entries[:shown]:
        lines.append(f"{position}. งาน {job_id} โดย <@{author_id}>: {prompt}")
    if len(entries) > shown:
        lines.append(f"…และอีก {len(entries) - shown} งาน")
    return "\n".join(lines)


# --- the status message that follows a job in its channel ------------------------------------


def waiting(position: int) -> str:
    return "⏳ คิวถัดไป กำลังจะเริ่มวาด" if position <= 1 else f"⏳ รอคิวที่ {position}"


STARTING = "🎨 กำลังเริ่มวาด…"
CANCELLED = "🚫 งานนี้ถูกยกเลิกแล้ว"


def drawing(bar: str, step: int, total: int) -> str:
    return f"🎨 กำลังวาด {bar} {step * 100 // max(total, 1)}% ({step}/{total} รอบ)"


def failed(reason: str) -> str:
    return f"❌ วาดไม่สำเร็จ: {reason}"


def ordered_by(author_id: str) -> str:
    return f"สั่งโดย <@{author_id}>"


def job_footer(job_id: str) -> str:
    return f"งาน {job_id}"


FIELD_PROMPT = "ข้อความ"
FIELD_NEGATIVE = "ไม่เอา"
FIELD_STYLE = "สไตล์"
FIELD_SEED = "เลขสุ่ม (seed)"
FIELD_STEPS = "รอบ"
FIELD_SIZE = "ขนาด"
FIELD_SECONDS = "เวลา"
NOTHING = "—"


def seconds(value: float) -> str:
    return f"{value:.1f} วินาที"


def shrunk_picture(link: str | None) -> str:
    """Why the result shows the preview: the full picture is over the server's upload limit."""
    note = "ภาพเต็มใหญ่เกินขีดจำกัดการอัปโหลดของเซิร์ฟเวอร์นี้ จึงแสดงภาพย่อแทน"
    return f"{note}\nดูภาพเต็มได้ที่ {link}" if link else note


# --- the buttons under a result ----------------------------------------------------------------

AGAIN_LABEL = "วาดใหม่"
DELETE_LABEL = "ลบ"


def more_label(steps: int) -> str:
    return f"วาดต่ออีก {steps} รอบ"
