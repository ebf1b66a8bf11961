"""Family notifications: the outbox written with each handover line, and its delivery adapters.

Delivery is at least once: a message is sent outside any transaction and marked delivered afterwards, so a
crash in between sends it again rather than never. Messages carry the case code and nothing else: the family
reads the news on the status page with their code and secret (names and places never travel by e-mail).
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import PermissionDenied
from homebound.core.log.entries import ActionTag
from homebound.db.exchange_tables import NotificationRow
from homebound.db.log_store import log_action
from homebound.db.tables import InquiryRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.handover_effects import EMAIL, STATUS_PAGE

MAX_ATTEMPTS = 5
# The e-mail in the language the family filed in (an inquiry filed before languages were kept: English).
_SUBJECT = {
    "en": "News on your inquiry {code}",
    "uk": "Новини щодо вашого запиту {code}",
    "ru": "Новости по вашему запросу {code}",
}
_BODY = {
    "en": (
        "There is news on your inquiry, case {code}.\n\n"
        "Open the inquiry status page and enter your case code and secret to read it.\n"
        "Please do not share the case details, photographs or places online: others misuse them.\n"
    ),
    "uk": (
        "Є новини щодо вашого запиту, справа {code}.\n\n"
        "Відкрийте сторінку стану запиту й введіть код справи та секрет, щоб їх прочитати.\n"
        "Будь ласка, не поширюйте в інтернеті подробиць справи, фотографій чи місць: ними зловживають.\n"
    ),
    "ru": (
        "Есть новости по вашему запросу, дело {code}.\n\n"
        "Откройте страницу состояния запроса и введите код дела и секрет, чтобы их прочитать.\n"
        "Пожалуйста, не публикуйте в интернете подробности дела, фотографии или места: ими злоупотребляют.\n"
    ),
}


@dataclass(frozen=True)
class Notice:
    """What a channel needs to deliver one notification."""

    notification_id: str
    inquiry_id: str
    case_code: str
    kind: str
    channel: str
    address: str
    language: str = "en"  # the family's, as they filed


class Channel(Protocol):
    name: str

    def deliver(self, notice: Notice) -> None: ...


class StatusPageChannel:
    """The status page reads the sought record's stage, changed in the line's own transaction: nothing to
    send, the notification is delivered once recorded."""

    name = STATUS_PAGE

    def deliver(self, notice: Notice) -> None:  # noqa: ARG002 - the Channel protocol's shape
        return None


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "homebound@localhost"
    timeout: float = 10.0
    starttls: bool = False
    username: str | None = None
    password: str | None = None


class SmtpChannel:
    """E-mail through an SMTP relay (smtplib); one connection per delivery run."""

    name = EMAIL

    def __init__(self, settings: SmtpSettings, connect: Callable[..., smtplib.SMTP] = smtplib.SMTP) -> None:
        self.settings = settings
        self._connect = connect

    def message(self, notice: Notice) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = notice.address
        language = notice.language if notice.language in _BODY else "en"
        message["Subject"] = _SUBJECT[language].format(code=notice.case_code)
        message["Content-Language"] = language
        message.set_content(_BODY[language].format(code=notice.case_code))
        return message

    def deliver(self, notice: Notice) -> None:
        settings = self.settings
        with self._connect(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password)
            smtp.send_message(self.message(notice))


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int


def _pending(uows: UnitOfWorkFactory, channels: Mapping[str, Channel], limit: int) -> list[Notice]:
    with uows.reader() as uow:
        rows = uow.session.execute(
            select(NotificationRow, InquiryRow)  # the contact is sealed: opened on the row, in memory
            .join(InquiryRow, InquiryRow.id == NotificationRow.inquiry_id)
            .where(
                NotificationRow.delivered_at.is_(None),
                NotificationRow.channel.in_(list(channels)),
                NotificationRow.attempts < MAX_ATTEMPTS,
            )
            .order_by(NotificationRow.created_at, NotificationRow.id)
            .limit(limit)
        ).all()
        return [
            Notice(n.id, n.inquiry_id, i.case_code, n.kind, n.channel, i.inquirer_contact, i.language or "en")
            for n, i in rows
        ]


def deliver_pending(
    uows: UnitOfWorkFactory,
    channels: Mapping[str, Channel],
    *,
    actor: Actor | str = "system",
    limit: int = 500,
) -> DeliveryReport:
    """Send what the outbox holds for these channels; mark each delivered, or count the failed attempt."""
    outcomes: list[tuple[Notice, str | None]] = []
    for notice in _pending(uows, channels, limit):
        try:
            channels[notice.channel].deliver(notice)
        except (OSError, smtplib.SMTPException) as exc:
            outcomes.append((notice, f"{type(exc).__name__}: {exc}"[:200]))
        else:
            outcomes.append((notice, None))
    with uows.writer() as uow:
        for notice, error in outcomes:
            row = uow.session.get(NotificationRow, notice.notification_id)
            assert row is not None
            row.attempts += 1
            if error is not None:
                row.last_error = error
                continue
            row.delivered_at, row.last_error = utcnow(), None
            payload = {
                "notification": row.id,
                "inquiry": row.inquiry_id,
                "kind": row.kind,
                "channel": row.channel,
            }
            log_action(uow.session, actor, ActionTag.NOTIFICATION_DELIVER, "notification", row.id, payload)
        uow.commit()
    failed = sum(1 for _, error in outcomes if error is not None)
    return DeliveryReport(len(outcomes) - failed, failed)


@dataclass(frozen=True)
class NotificationView:
    id: str
    inquiry_id: str
    case_code: str
    kind: str
    channel: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    attempts: int
    last_error: str | None


def list_notifications(uows: UnitOfWorkFactory, actor: Actor) -> list[NotificationView]:
    """The outbox of the actor's party: notifications for the inquiries filed with its bureau."""
    if not can(actor, Permission.PARTY_INQUIRY_READ) or actor.party_id is None:
        raise PermissionDenied("this role may not read inquiries")
    with uows.reader() as uow:
        rows = uow.session.execute(
            select(NotificationRow, InquiryRow.case_code)
            .join(InquiryRow, InquiryRow.id == NotificationRow.inquiry_id)
            .where(InquiryRow.party_id == actor.party_id)
            .order_by(NotificationRow.created_at, NotificationRow.id)
        ).all()
    return [
        NotificationView(
            n.id,
            n.inquiry_id,
            code,
            n.kind,
            n.channel,
            n.created_at,
            n.delivered_at,
            n.attempts,
            n.last_error,
        )
        for n, code in rows
    ]
