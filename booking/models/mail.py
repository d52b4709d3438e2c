"""The mail outbox: mails are written in the same transaction as the change they report and
sent only after it commits, so a rolled-back request never mails and a crash never loses one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base


class OutboxMail(Base):
    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The language subject and body are written in (the recipient's, when it was queued).
    language: Mapped[str] = mapped_column(String(2), default="de", server_default="de")
    # A mail carrying a secret (a door code): its body is blanked once it is sent.
    erase_after_send: Mapped[bool] = mapped_column(default=False, server_default=false())
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
