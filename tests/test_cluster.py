"""Two app servers (gunicorn, loopback) and two sweepers on one PostgreSQL database, with
people and the clock racing for the same rows: every invariant holds afterwards.

The policy windows are set to zero in the servers' and sweepers' environment, so every
review period and answer deadline is already over: each approval races an auto-release and
each answer to a cancellation races its auto-acceptance.
"""

import html
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connection

from conftest import app_role_environment, postgres_only
from contracts.models import Contract, LedgerTransaction, Milestone, Settlement
from contracts.tests.factories import deposit
from marketplace.tests.factories import ClientFactory, FreelancerFactory

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]
BASE_DIR = Path(__file__).resolve().parent.parent
PAIRS, ROUNDS = 4, 3
EXPLANATION = "We both agree the remaining work is no longer needed, so let's end it cleanly."


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(app_role_environment(connection),
               MILESTONE_AUTO_RELEASE_DAYS="0", CANCELLATION_RESPONSE_DAYS="0")
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int) -> None:
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class Browser:
    """A person on one of the two servers: a session cookie, CSRF tokens from the forms."""

    def __init__(self, user, port: int):
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        self.cookies = {"sessionid": session.session_key}
        self.port = port
        self.statuses: list[int] = []

    def request(self, method: str, path: str, data: dict | None = None):
        conn = HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Host": "localhost", "Referer": f"http://localhost{path}"}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        conn.close()
        self.statuses.append(response.status)
        return response.status, response.getheader("Location") or "", text

    def form(self, path: str) -> dict:
        """GET a form page; return its hidden fields (CSRF token, one-time key)."""
        _status, _location, text = self.request("GET", path)
        return {html.unescape(name): html.unescape(value) for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text)}

    def post(self, path: str, data: dict, form_path: str | None = None):
        return self.request("POST", path, {**self.form(form_path or path), **data})


def _flow(client_user, freelancer_user, ports, errors):
    client = Browser(client_user, ports[0])
    freelancer = Browser(freelancer_user, ports[1])
    try:
        for _ in range(ROUNDS):
            _status, location, _ = client.post(
                f"/contracts/new/?freelancer={freelancer_user.username}",
                {"title": "Race", "description": "Work.", "milestones-TOTAL_FORMS": "2",
                 "milestones-INITIAL_FORMS": "0", "milestones-0-title": "A",
                 "milestones-0-amount": "100.00", "milestones-1-title": "B",
                 "milestones-1-amount": "55.55"})
            contract_id = int(location.strip("/").split("/")[-1])
            freelancer.post(f"/contracts/{contract_id}/do/accept/", {})
            first, second = Milestone.objects.filter(contract_id=contract_id).order_by("position")
            base = f"/contracts/{contract_id}/milestones"
            for m in (first, second):
                client.post(f"{base}/{m.pk}/do/fund/", {})
            freelancer.post(f"{base}/{first.pk}/do/submit/", {"note": "done"})
            client.post(f"{base}/{first.pk}/do/approve/", {})  # races the auto-release
            _status, location, _ = client.post(
                f"/contracts/{contract_id}/cancel/",
                {"reason": "mutual", "explanation": EXPLANATION, "amount": "20.00",
                 "fault": "none"})
            if "/cancellations/" in location:
                request_path = urllib.parse.urlparse(location).path
                freelancer.post(f"{request_path}do/accept/", {})  # races the auto-acceptance
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(repr(exc))
    finally:
        # This thread read milestones through its own connection: close it, or the test
        # database still has a session when it is dropped at the end of the run.
        connection.close()
    errors.extend(f"server error {s}" for s in client.statuses + freelancer.statuses if s >= 500)


def test_two_app_servers_and_two_sweepers_keep_every_invariant():
    pairs = [(ClientFactory(), FreelancerFactory()) for _ in range(PAIRS)]
    for client_user, _ in pairs:
        deposit(client_user, 1_000_000)
    env = _env()
    ports = [_free_port(), _free_port()]
    servers = [subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "marketplace.site.wsgi:application", "-b", f"127.0.0.1:{p}",
         "-w", "2", "--log-level", "warning"], cwd=BASE_DIR, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for p in ports]
    sweepers = [subprocess.Popen(
        [sys.executable, "manage.py", "process_deadlines", "--loop", "--interval", "0"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)]
    errors: list[str] = []
    try:
        for port in ports:
            _wait_for(port)
        threads = [threading.Thread(target=_flow, args=(c, f, ports if i % 2 else ports[::-1], errors))
                   for i, (c, f) in enumerate(pairs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        time.sleep(3)  # let the sweepers finish what is due
    finally:
        for process in servers + sweepers:
            process.send_signal(signal.SIGTERM)
        outputs = [p.communicate(timeout=30) for p in sweepers]
        for server in servers:
            server.communicate(timeout=30)
    assert errors == []
    sweeps = "".join(out for out, _err in outputs)
    assert "failed" in sweeps and " 0 failed" in sweeps and not re.search(r" [1-9]\d* failed", sweeps)
    # every contract reached through the race is consistent, and money moved once
    contracts = Contract.objects.filter(title="Race")
    assert contracts.count() == PAIRS * ROUNDS
    for contract in contracts:
        first = contract.milestones.get(position=1)
        releases = LedgerTransaction.objects.filter(kind="release", milestone=first).count()
        assert releases == (1 if first.state == "released" else 0)
        assert Settlement.objects.filter(contract=contract).count() == (
            1 if contract.state == "cancelled" else 0)
        # whoever won each race, the work was paid once and the case ended once
        assert first.state == "released" and contract.state == "cancelled"
    from marketplace.kernel.models import Event

    kinds = set(Event.objects.filter(contract__in=contracts).values_list("kind", flat=True))
    assert {"milestone.approve", "milestone.auto_release"} & kinds
    assert {"cancellation.accepted", "cancellation.auto_accepted"} & kinds
    call_command("check_ledger")
    call_command("verify_records")
