"""Mail servers for tests: a real SMTP server on loopback (aiosmtpd) that can go down and come
back, email backends that refuse or record connections, and the notices' links in mails."""

import asyncio
import email
import email.policy
import re
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import override_settings


class Collector:
    """Keeps every message the server accepted."""

    def __init__(self, delay: float = 0):
        self.messages = []
        self.lock = threading.Lock()
        self.delay = delay  # a slow server: how long it takes to accept a message

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content,
                                                          policy=email.policy.default))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on the same port
    (a stopped aiosmtpd Controller cannot restart: each start makes a new one)."""

    def __init__(self):
        self.collector, self.port, self.controller = Collector(), free_port(), None

    def start(self) -> None:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings(self):
        return override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.port, EMAIL_USE_TLS=False, EMAIL_TIMEOUT=5)


@pytest.fixture
def smtp_server():
    """A running loopback SMTP server, and the settings that send through it."""
    server = SMTPServer()
    server.start()
    with server.settings():
        yield server
    server.stop()


class RefusingBackend(LocmemBackend):
    """A mail server that is down: every connection is refused."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, messages):
        self.open()


class RecordingBackend(LocmemBackend):
    """The in-memory outbox, counting every connection opened and where it was opened from."""

    connections: list[str] = []

    def open(self):
        RecordingBackend.connections.append(threading.current_thread().name)
        return True

    def send_messages(self, messages):
        # Sending without an explicit open() still talks to the server: count it too.
        self.open()
        return super().send_messages(messages)


OPEN_LINK = re.compile(r"http://testserver(/notifications/(\d+)/open/)")


def open_links(text: str) -> list[tuple[str, int]]:
    """Each notice's link in a mail's text or HTML: (its path, the notice's id). Mails link a
    notice through its open URL, absolute on SITE_URL (the test settings' http://testserver)."""
    return [(path, int(pk)) for path, pk in OPEN_LINK.findall(text)]


def follow_open_link(client, path: str) -> str:
    """Where opening a notice's link lands its (signed-in) recipient."""
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    return response.url
