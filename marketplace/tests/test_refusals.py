"""Refusals in plain words: for every state machine, every transition refused in every state
reads as a sentence a person would write — no raw state value, no "(s)", no field name."""

import inspect

import pytest
from django.utils.translation import gettext as _

from contracts.models import Contract, MessageReport, Milestone
from disputes.models import CancellationRequest, Dispute, SettlementOffer
from marketplace.kernel import fsm
from reputation.models import Application, Job

MACHINES = [Contract, Milestone, CancellationRequest, Dispute, SettlementOffer, Job, Application,
            MessageReport]
GENERIC = _("This can no longer be done at this stage.")


def transitions(model) -> dict[str, object]:
    found = {}
    for name, member in inspect.getmembers(model):
        meta = getattr(member, "_django_fsm", None)
        if meta is not None:
            found[name] = meta
    return found


def field_names(model) -> set[str]:
    return {f.name for f in model._meta.get_fields()} | {
        f.attname for f in model._meta.concrete_fields}


def assert_plain(text: str, model, where: str) -> None:
    assert text and text.strip() == text, where
    assert "(s)" not in text, f"{where}: {text!r}"
    raw_states = {value for value, _label in model._meta.get_field("state").choices if "_" in value}
    for raw in raw_states:
        assert raw not in text, f"{where}: raw state {raw!r} in {text!r}"
    for name in field_names(model):
        if "_" in name:
            assert name not in text, f"{where}: field name {name!r} in {text!r}"
    assert text[0].isupper() and text.rstrip()[-1] in ".?!", f"{where}: not a sentence: {text!r}"


@pytest.mark.parametrize("model", MACHINES, ids=lambda m: m.__name__)
def test_every_state_has_its_own_words(model):
    states = [value for value, _label in model._meta.get_field("state").choices]
    table = model.STATE_REFUSALS
    assert set(table) == set(states), f"{model.__name__}: states without words"
    assert len({str(text) for text in table.values()}) == len(states), "each state its own words"


@pytest.mark.parametrize("model", MACHINES, ids=lambda m: m.__name__)
def test_every_refused_transition_in_every_state_reads_plainly(model):
    states = [value for value, _label in model._meta.get_field("state").choices]
    checked = 0
    for name, meta in transitions(model).items():
        for state in states:
            instance = model()
            instance.__dict__["state"] = state  # the field is protected; no save follows
            if meta.has_transition(state):
                transition = meta.get_transition(state)
                for condition in transition.conditions:
                    message = getattr(condition, "refusal", None)
                    if message is not None:
                        text = str(message(_with_parties(instance)) if callable(message)
                                   else message)
                        assert_plain(text, model, f"{model.__name__}.{name} condition")
                permission = transition.permission
                message = getattr(permission, "refusal", None)
                if message is not None and not callable(message):
                    assert_plain(str(message), model, f"{model.__name__}.{name} permission")
                continue
            text = fsm.state_refusal(instance, state)
            assert text != str(GENERIC), f"{model.__name__}.{name} in {state}"
            assert text == str(model.STATE_REFUSALS[state])
            assert_plain(text, model, f"{model.__name__}.{name} in {state}")
            checked += 1
    assert checked > 0


def _with_parties(instance):
    """Words that name people need a contract with its parties (no database)."""
    from marketplace.kernel.models import User

    contract = Contract(client=User(username="carla", first_name="Carla"),
                        freelancer=User(username="bob", first_name="Bob"))
    if hasattr(instance, "contract_id"):
        instance.contract = contract
    return instance


def test_the_refusal_a_page_shows_comes_from_the_table(db):
    from disputes.tests.factories import make_request

    request = make_request("client", amount_cents=10_000)
    contract = request.contract
    assert fsm.refusal_reason(contract, "request_cancellation", contract.client) == str(
        Contract.STATE_REFUSALS["cancellation_requested"])
