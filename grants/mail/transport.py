"""Handing messages over: to an SMTP server, or (the embedded default) to the mail folder.

Without ``MAIL_SMTP_HOST`` each message is written to ``<instance>/mail/`` as an .eml file that
any mail program opens. Its name follows from the mail (time, id, kind) and it is written to a
temporary file first and then renamed, so writing the same mail again replaces it: the folder
holds each mail once, completely.
"""

import os
import smtplib
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from flask import Flask

from grants.timefmt import AMSTERDAM

SMTP_TIMEOUT_SECONDS = 30


class MailNotSent(Exception):
    """This message was refused or could not be handed over; the reason is the message."""


class TransportDown(Exception):
    """The server cannot be reached or dropped the connection: no message can go now."""


def build_message(mail, sender: str) -> EmailMessage:
    """The message of an outbox row. The same row always gives the same message (its
    Message-ID too), so a mail sent again after a crash can be recognised as a repeat."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = f"<{mail.created_at:%Y%m%d%H%M%S}.{mail.id}.grants@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    message.set_content(mail.body, cte="quoted-printable")
    return message


def eml_name(mail) -> str:
    return f"{mail.created_at.astimezone(AMSTERDAM):%Y%m%d-%H%M%S}-{mail.id:06d}-{mail.kind}.eml"


class FolderTransport:
    def __init__(self, folder: Path):
        self.folder = folder
        self.where = f"map {folder}"

    @contextmanager
    def connection(self) -> Iterator["FolderTransport"]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TransportDown(f"Map {self.folder} is niet te maken: {error}") from error
        yield self

    def send(self, mail, message: EmailMessage) -> None:
        target = self.folder / eml_name(mail)
        try:
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".mail-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(message.as_bytes())
                os.replace(temporary, target)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as error:
            raise TransportDown(f"{target} is niet geschreven: {error}") from error


def _smtp_reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {_text(text)}"
                         for address, (code, text) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class SmtpTransport:
    def __init__(self, host: str, port: int, user: str | None, password: str | None,
                 starttls: bool):
        self.host, self.port = host, port
        self.user, self.password, self.starttls = user, password, starttls
        self.where = f"SMTP {host}:{port}" + (" (STARTTLS)" if starttls else "")

    @contextmanager
    def connection(self) -> Iterator["_SmtpConnection"]:
        """One session with the server for a batch of messages."""
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
        except OSError as error:  # smtplib's errors are OSErrors too
            raise TransportDown(f"{self.where} niet bereikbaar: {_smtp_reason(error)}") from error
        try:
            try:
                smtp.ehlo()
                if self.starttls:
                    # Never fall back to plain text: without STARTTLS nothing is sent.
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password or "")
            except OSError as error:
                raise TransportDown(f"{self.where}: {_smtp_reason(error)}") from error
            yield _SmtpConnection(smtp)
        finally:
            try:
                smtp.quit()
            except OSError:
                smtp.close()


class _SmtpConnection:
    def __init__(self, smtp: smtplib.SMTP):
        self.smtp = smtp

    def send(self, mail, message: EmailMessage) -> None:
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPServerDisconnected as error:
            raise TransportDown(_smtp_reason(error)) from error
        except smtplib.SMTPException as error:  # refused: this message, not the connection
            try:
                self.smtp.rset()
            except OSError as lost:  # (SMTPException is an OSError too)
                raise TransportDown(_smtp_reason(lost)) from error
            raise MailNotSent(_smtp_reason(error)) from error
        except OSError as error:  # the network
            raise TransportDown(_smtp_reason(error)) from error


def transport_for(app: Flask) -> FolderTransport | SmtpTransport:
    config = app.config
    if not config.get("MAIL_SMTP_HOST"):
        return FolderTransport(Path(app.instance_path) / "mail")
    return SmtpTransport(str(config["MAIL_SMTP_HOST"]), int(config["MAIL_SMTP_PORT"]),
                         config.get("MAIL_SMTP_USER") or None,
                         config.get("MAIL_SMTP_PASSWORD") or None,
                         bool(config["MAIL_SMTP_STARTTLS"]))
