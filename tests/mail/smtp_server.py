"""A small SMTP server on a loopback port, in a thread of the test process.

It speaks enough of RFC 5321 for smtplib (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
and keeps every message it accepted. It can refuse recipients, and it can hold a message
unanswered (``hold_after`` accepted messages) as a server does that is slow to confirm: a
message it never confirmed counts as not delivered, as in SMTP.
"""

import base64
import socketserver
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser


@dataclass(frozen=True)
class Received:
    mail_from: str
    recipients: tuple[str, ...]
    data: bytes
    user: str | None

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)


def _address(argument: str) -> str:
    return argument.partition(":")[2].strip().split(" ")[0].strip("<>")


class SmtpServer:
    def __init__(self, *, refuse: frozenset[str] = frozenset(), auth: bool = False,
                 hold_after: int | None = None):
        self.refuse = refuse
        self.auth = auth
        self.hold_after = hold_after
        self.received: list[Received] = []
        self.holding = threading.Event()  # a message is being held unanswered
        self._release = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                server._converse(self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "SmtpServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _converse(self, rfile, wfile) -> None:
        def reply(*lines: str) -> None:
            for line in lines:
                wfile.write(line.encode() + b"\r\n")
            wfile.flush()

        sender, recipients, user = None, [], None
        reply("220 localhost ESMTP test server")
        while line := rfile.readline():
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, argument = command.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                reply("250-localhost", *(["250-AUTH PLAIN"] if self.auth else []),
                      "250 8BITMIME")
            elif verb == "HELO":
                reply("250 localhost")
            elif verb == "AUTH" and self.auth and argument.upper().startswith("PLAIN "):
                _, name, _password = base64.b64decode(argument[6:]).decode().split("\0")
                user = name
                reply("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                sender, recipients = _address(argument), []
                reply("250 2.1.0 OK")
            elif verb == "RCPT":
                address = _address(argument)
                if address in self.refuse:
                    reply(f"550 5.1.1 <{address}>: mailbox unavailable")
                else:
                    recipients.append(address)
                    reply("250 2.1.5 OK")
            elif verb == "DATA":
                if not recipients:
                    reply("554 5.5.1 No valid recipients")
                    continue
                reply("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                while (chunk := rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                with self._lock:
                    hold = self.hold_after is not None and len(self.received) >= self.hold_after
                if hold:
                    self.holding.set()
                    self._release.wait()
                    return  # never confirmed: not delivered
                with self._lock:
                    self.received.append(Received(sender, tuple(recipients), bytes(data), user))
                reply("250 2.0.0 Queued")
                sender, recipients = None, []
            elif verb == "RSET":
                sender, recipients = None, []
                reply("250 2.0.0 OK")
            elif verb == "NOOP":
                reply("250 2.0.0 OK")
            elif verb == "QUIT":
                reply("221 2.0.0 Bye")
                return
            else:
                reply("502 5.5.2 Command not recognised")
