"""The wallet page and the money shown on the contract page."""

import pytest
from django.urls import reverse

from conftest import login
from contracts.models import Account, LedgerTransaction
from contracts.services.milestones import milestone_approve
from contracts.tests.factories import deposit, make_funded_contract, new_key

pytestmark = pytest.mark.django_db


def balance(user):
    return Account.objects.filter(kind="wallet", user=user).values_list("balance_cents", flat=True).first() or 0


def test_deposit_then_withdraw_through_the_page(client, client_user):
    login(client, client_user)
    page = client.get(reverse("contracts:wallet"))
    assert 'id="wallet-balance" data-cents="0"' in page.content.decode()
    response = client.post(reverse("contracts:wallet_deposit"),
                           {"deposit-amount": "120.50", "deposit-idempotency_key": new_key()}, follow=True)
    assert "$120.50 deposited" in response.content.decode()
    client.post(reverse("contracts:wallet_withdraw"),
                {"withdraw-amount": "20.25", "withdraw-idempotency_key": new_key()})
    assert balance(client_user) == 10_025
    body = client.get(reverse("contracts:wallet")).content.decode()
    assert 'data-cents="10025"' in body and "$100.25" in body
    assert body.count("<tr id=\"txn-") == 2  # two statement rows


WRITE_IT_PLAINLY = "Write the amount like 1500.00"


@pytest.mark.parametrize(("amount", "message"), [
    ("abc", WRITE_IT_PLAINLY),
    ("-5", WRITE_IT_PLAINLY),
    ("0", "greater than or equal to 0.01"),
    ("1.001", WRITE_IT_PLAINLY),
    # what Python's Decimal would take, but nobody means as money (issue: lenient amounts)
    ("1e3", WRITE_IT_PLAINLY),
    ("1_000", WRITE_IT_PLAINLY),
    ("+3.00", WRITE_IT_PLAINLY),
    ("\u0661\u0660\u0660", WRITE_IT_PLAINLY),  # Arabic-Indic digits
    ("1,500.00", WRITE_IT_PLAINLY),
    ("NaN", WRITE_IT_PLAINLY),
    ("10000000000000", "Ensure that there are no more than 12 digits"),
    ("2000000", "At most $1,000,000.00 can move in one go."),
])
def test_bad_amounts_get_a_clear_message_and_change_nothing(client, client_user, amount, message):
    login(client, client_user)
    response = client.post(reverse("contracts:wallet_deposit"),
                           {"deposit-amount": amount, "deposit-idempotency_key": new_key()})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize(("amount", "cents"), [("1500", 150_000), ("1500.5", 150_050),
                                               ("1500.00", 150_000), (" 12.34 ", 1_234)])
def test_plainly_written_amounts_are_taken(client, client_user, amount, cents):
    login(client, client_user)
    response = client.post(reverse("contracts:wallet_deposit"),
                           {"deposit-amount": amount, "deposit-idempotency_key": new_key()})
    assert response.status_code == 302
    assert Account.objects.get(kind="wallet", user=client_user).balance_cents == cents


def test_overdrawing_is_explained_and_changes_nothing(client, freelancer):
    deposit(freelancer, 5_000)
    login(client, freelancer)
    response = client.post(reverse("contracts:wallet_withdraw"),
                           {"withdraw-amount": "50.01", "withdraw-idempotency_key": new_key()})
    assert response.status_code == 400
    assert "holds $50.00, less than the $50.01 needed" in response.content.decode()
    assert balance(freelancer) == 5_000 and LedgerTransaction.objects.count() == 1


def test_missing_key_is_refused(client, client_user):
    login(client, client_user)
    response = client.post(reverse("contracts:wallet_deposit"), {"deposit-amount": "5"})
    assert response.status_code == 400 and not LedgerTransaction.objects.exists()


def test_wallet_page_budget_does_not_grow(client, client_user, django_assert_max_num_queries):
    for _ in range(60):
        deposit(client_user, 100)
    login(client, client_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("contracts:wallet"))
    assert response.content.decode().count("Deposit by") == 25  # one page of the statement


def test_contract_page_shows_escrow_payments_and_fees(client):
    contract = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1)
    milestone_approve(actor=contract.client, milestone=contract.milestones.get(position=1))
    login(client, contract.freelancer)
    body = client.get(contract.get_absolute_url()).content.decode()
    assert 'id="escrow-balance" data-cents="20000"' in body
    assert 'id="client-paid" data-cents="50000"' in body
    assert 'id="freelancer-received" data-cents="27000"' in body
    assert "after fees of $30.00" in body
    assert 'data-action="submit"' in body  # the freelancer may deliver milestone 2
    assert 'data-action="approve"' not in body
