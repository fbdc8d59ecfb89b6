"""Need to know (spec section 2): a mediator who holds one case sees that case and nothing
else, through every URL of the console and the pages case workers may open.

Every URL pattern of the admin site is enumerated from the site itself, so a new model admin
or a new admin URL is covered (or fails here) without anyone remembering this test. maya
holds case A. Outside it: a case another mediator holds (B), a case in direct negotiation
(C), a case waiting for an arbitrator (D), a contract without a case (E), a settled case
(F), and the wallets and the ledger of everyone (with a withdrawal).
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, reverse

from conftest import login
from contracts.models import Attachment, Contract, LedgerTransaction, Message, MessageReport
from contracts.services.messages import message_post
from contracts.services.reports import message_report
from contracts.services.wallets import wallet_withdraw
from contracts.tests.factories import make_funded_contract, new_key
from disputes.access import visible_cases
from disputes.models import Dispute
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute
from marketplace.tests.factories import MediatorFactory, StaffFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% exhibit\n%%EOF\n"
FINDINGS = "Both parts were delivered as the brief describes; the second needed fixes."
# The admins built for case work, scoped to the case worker's cases; every other admin is
# for superusers only.
CASE_WORK = {Dispute, Contract, Message, Attachment}
# Reported messages are a queue of their own, open to every mediator (policy §5.6).
REPORTS = {MessageReport}


@dataclass
class World:
    mine: Dispute
    outside: dict  # label -> Dispute (B, C, D, F)
    no_case: Contract  # E

    def contracts_outside(self) -> list[Contract]:
        return [d.contract for d in self.outside.values()] + [self.no_case]


def _with_evidence(dispute, note: str):
    dsvc.dispute_message(actor=dispute.contract.freelancer, dispute=dispute, body=note,
                         files=[ContentFile(PDF, name=f"{note}.pdf")], evidence=True)
    return dispute


def _to_arbitration(mediator):
    dispute = in_mediation(_with_evidence(make_dispute(), "D"), mediator)
    for _ in range(2):
        casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue",
                                 amount_cents=0, fault="none", findings=FINDINGS,
                                 policy_clause="§4.6 Outcomes and fault")
        dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute,
                                     reason="Not acceptable.")
    dispute.refresh_from_db()
    assert dispute.state == "arbitration" and dispute.arbitrator_id is None
    return dispute


@pytest.fixture
def world(mediator, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    omar = MediatorFactory(username="omar")
    mine = in_mediation(_with_evidence(make_dispute(), "A"), mediator)
    held = in_mediation(_with_evidence(make_dispute(), "B"), omar)
    negotiating = _with_evidence(make_dispute(), "C")
    arbitration = _to_arbitration(omar)
    settled = make_dispute()
    offer = dsvc.dispute_make_offer(actor=settled.contract.freelancer, dispute=settled,
                                    outcome="cancel", amount_cents=10_000, fault="none")
    dsvc.dispute_accept_offer(actor=settled.contract.client, offer=offer)
    no_case = make_funded_contract(title="Quiet harbour booking engine", wallet_extra=5_000)
    message_post(actor=no_case.freelancer, contract=no_case, body="A first calendar draft.",
                 files=[ContentFile(PDF, name="E.pdf")])
    wallet_withdraw(actor=no_case.client, amount_cents=5_000, idempotency_key=new_key())
    world = World(mine=mine, no_case=no_case, outside={
        "B": held, "C": negotiating, "D": arbitration, "F": settled})
    # The premise: maya holds exactly one case, and sees no other.
    assert list(visible_cases(mediator)) == [mine]
    return world


# --- the admin site's URLs, from the site itself ----------------------------------------------


@dataclass(frozen=True)
class AdminUrl:
    name: str  # the URL name without "admin:", or a label for an unnamed pattern
    kwargs: tuple[str, ...]
    model: type | None = None


def admin_urls() -> list[AdminUrl]:
    found = []
    for entry in admin.site.get_urls():
        if isinstance(entry, URLResolver):
            continue  # each model's own URLs, walked below from the registry
        names = tuple(entry.pattern.regex.groupindex)
        found.append(AdminUrl(name=entry.name or "catch_all", kwargs=names))
    for model, model_admin in admin.site._registry.items():
        for entry in model_admin.get_urls():
            assert isinstance(entry, URLPattern)
            names = tuple(entry.pattern.regex.groupindex)
            found.append(AdminUrl(name=entry.name or f"{model._meta.model_name}_redirect",
                                  kwargs=names, model=model))
    return found


SITE_PAGES = {"index", "login", "logout", "password_change", "password_change_done",
              "autocomplete", "jsi18n", "view_on_site", "app_list", "catch_all"}
MODEL_PAGES = ("changelist", "add", "history", "delete", "change", "redirect", "act")


def kind_of(url: AdminUrl) -> str:
    if url.model is None:
        return url.name
    return next(kind for kind in MODEL_PAGES if url.name.endswith("_" + kind))


def test_every_admin_url_is_classified():
    """A new admin page must be given an expectation below before it ships."""
    for url in admin_urls():
        if url.model is None:
            assert url.name in SITE_PAGES, f"unclassified admin page {url.name}"
        else:
            assert any(url.name.endswith("_" + kind) for kind in MODEL_PAGES), url.name


def model_url(url: AdminUrl, pk) -> str:
    meta = url.model._meta
    if url.name.endswith("_redirect"):
        return f"/admin/{meta.app_label}/{meta.model_name}/{pk}/"
    kwargs = {name: pk for name in ("object_id", "pk", "id") if name in url.kwargs}
    if "action" in url.kwargs:
        kwargs["action"] = "message"
    return reverse(f"admin:{url.name}", kwargs=kwargs)


def rows_in_scope(world: World, model) -> list:
    contract = world.mine.contract
    return list({
        Dispute: Dispute.objects.filter(pk=world.mine.pk),
        Contract: Contract.objects.filter(pk=contract.pk),
        Message: Message.objects.filter(contract=contract),
        Attachment: Attachment.objects.filter(contract=contract),
    }[model])


def rows_outside(world: World, model) -> list:
    contracts = world.contracts_outside()
    return list({
        Dispute: Dispute.objects.filter(pk__in=[d.pk for d in world.outside.values()]),
        Contract: Contract.objects.filter(pk__in=[c.pk for c in contracts]),
        Message: Message.objects.filter(contract__in=contracts),
        Attachment: Attachment.objects.filter(contract__in=contracts),
    }[model])


def some_rows(world: World, model) -> list:
    """Rows of a superuser-only model: maya's own case's first (its ledger, its request…)."""
    manager = model._default_manager
    field_names = {f.name for f in model._meta.get_fields()}
    own = []
    if "contract" in field_names:
        own = list(manager.filter(contract=world.mine.contract)[:2])
    elif "dispute" in field_names:
        own = list(manager.filter(dispute=world.mine)[:2])
    return own + list(manager.exclude(pk__in=[r.pk for r in own])[:2])


def status(client, path: str, *, follow: bool = False) -> int:
    return client.get(path, follow=follow).status_code


def test_a_mediator_with_one_case_sees_it_and_nothing_else_in_the_console(client, world,
                                                                          mediator):
    login(client, mediator)
    wrong = []

    def expect(path: str, expected: int | set, *, follow: bool = False) -> None:
        got = status(client, path, follow=follow)
        allowed = expected if isinstance(expected, set) else {expected}
        if got not in allowed:
            wrong.append(f"{path}: {got}, expected {sorted(allowed)}")

    for url in admin_urls():
        kind = kind_of(url)
        if url.model is None:
            continue
        if url.model in REPORTS:
            report = message_report(actor=world.no_case.client,
                                    message=world.no_case.messages.first(),
                                    reason="An insult in the middle of the thread.") \
                if not MessageReport.objects.exists() else MessageReport.objects.get()
            if kind == "changelist":
                expect(reverse(f"admin:{url.name}"), 200)
            elif kind in ("add", "delete"):
                expect(reverse(f"admin:{url.name}", kwargs={"object_id": report.pk})
                       if kind == "delete" else reverse(f"admin:{url.name}"), 403)
            elif kind == "act":
                for pk, expected in ((report.pk, 200), (999_999, 404)):
                    expect(reverse(f"admin:{url.name}", kwargs={"pk": pk, "action": "warn"}),
                           expected)
            else:
                expect(model_url(url, report.pk), 200, follow=kind == "redirect")
                expect(model_url(url, 999_999), 404, follow=kind == "redirect")
            continue
        if url.model in CASE_WORK:
            inside, outside = rows_in_scope(world, url.model), rows_outside(world, url.model)
            assert inside and outside, url.model
            if kind == "changelist":
                response = client.get(reverse(f"admin:{url.name}"))
                listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
                if response.status_code != 200 or listed != {r.pk for r in inside}:
                    wrong.append(f"{url.name}: {response.status_code}, lists {listed}")
            elif kind == "add":
                expect(reverse(f"admin:{url.name}"), 403)
            else:
                ok = {"delete": 403}.get(kind, 200)
                for row in inside:
                    expect(model_url(url, row.pk), ok, follow=kind == "redirect")
                for row in outside:
                    expect(model_url(url, row.pk), 404, follow=kind == "redirect")
        else:  # superusers only: refused, whichever row, maya's own case's included
            if kind in ("changelist", "add"):
                expect(reverse(f"admin:{url.name}"), 403)
                continue
            for row in some_rows(world, url.model) or [None]:
                expect(model_url(url, row.pk if row else 999_999), 403,
                       follow=kind == "redirect")
    assert not wrong, "\n".join(wrong)


def test_the_consoles_site_pages_and_apps_for_a_mediator_with_one_case(client, world, mediator):
    login(client, mediator)
    assert client.get(reverse("admin:index")).status_code == 200
    for app_label in ("disputes", "contracts"):
        assert client.get(reverse("admin:app_list", args=[app_label])).status_code == 200
    for app_label in {m._meta.app_label for m in admin.site._registry} - {"disputes", "contracts"}:
        assert client.get(reverse("admin:app_list", args=[app_label])).status_code == 404, (
            app_label)
    index = client.get(reverse("admin:index")).content.decode()
    for closed in ("Accounts", "Ledger transactions", "Settlements", "Events", "Users",
                   "Groups"):
        assert f">{closed}<" not in index, closed
    assert client.get("/admin/no-such-page/").status_code == 404
    assert client.get(reverse("admin:autocomplete")).status_code == 403
    assert client.get(reverse("admin:jsi18n")).status_code == 200
    # "view on site" would tell by redirecting whether any object exists: not for case workers
    for model in admin.site._registry:
        row = model._default_manager.first()
        if row is None:
            continue
        content_type = ContentType.objects.get_for_model(model)
        assert client.get(reverse("admin:view_on_site", args=[content_type.pk, row.pk])
                          ).status_code == 404, model


def test_the_pages_case_workers_may_open_are_those_of_their_case(client, world, mediator):
    """The record page, the dispute room and the attachment download, outside the console."""
    login(client, mediator)
    mine = world.mine
    assert client.get(reverse("contracts:record", args=[mine.contract.pk])).status_code == 200
    assert client.get(mine.get_absolute_url()).status_code == 200
    for attachment in Attachment.objects.filter(contract=mine.contract):
        response = client.get(reverse("contracts:attachment", args=[attachment.pk]))
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    for contract in world.contracts_outside():
        assert client.get(reverse("contracts:record", args=[contract.pk])).status_code == 404
        assert client.get(contract.get_absolute_url()).status_code == 404
        for attachment in Attachment.objects.filter(contract=contract):
            assert client.get(reverse("contracts:attachment", args=[attachment.pk])
                              ).status_code == 404
    for dispute in world.outside.values():
        assert client.get(dispute.get_absolute_url()).status_code == 404


def test_no_wallet_or_ledger_row_reaches_a_case_worker(client, world, mediator):
    """Wallet balances and ledger transactions (a withdrawal among them) are superusers'
    only; the case view shows the case's own escrow movements and no balance."""
    login(client, mediator)
    withdrawal = LedgerTransaction.objects.get(kind="withdrawal")
    for path in (reverse("admin:contracts_account_changelist"),
                 reverse("admin:contracts_ledgertransaction_changelist"),
                 reverse("admin:contracts_ledgertransaction_change", args=[withdrawal.pk])):
        response = client.get(path)
        assert response.status_code == 403
        assert withdrawal.memo not in response.content.decode()
    body = client.get(reverse("admin:disputes_dispute_change", args=[world.mine.pk])
                      ).content.decode()
    assert "withdraw" not in body.lower() and withdrawal.memo not in body
    # the case's ledger lists only its own contract's transactions
    shown = {int(pk) for pk in re.findall(r'<tr><td>(\d+)</td>', body.split('id="case-ledger"')[1]
                                          .split("</table>")[0])}
    assert shown == set(LedgerTransaction.objects.filter(contract=world.mine.contract)
                        .values_list("pk", flat=True))


def test_the_same_urls_are_open_to_a_superuser(client, world):
    """The other side of the coin: what maya was refused exists and is open to a superuser,
    so the refusals above are the rule's, not broken pages."""
    login(client, StaffFactory(is_superuser=True))
    for dispute in world.outside.values():
        assert client.get(reverse("admin:disputes_dispute_change", args=[dispute.pk])
                          ).status_code == 200
    for contract in world.contracts_outside():
        assert client.get(reverse("admin:contracts_contract_change", args=[contract.pk])
                          ).status_code == 200
        assert client.get(reverse("contracts:record", args=[contract.pk])).status_code == 200
    withdrawal = LedgerTransaction.objects.get(kind="withdrawal")
    assert client.get(reverse("admin:contracts_ledgertransaction_change",
                              args=[withdrawal.pk])).status_code == 200
