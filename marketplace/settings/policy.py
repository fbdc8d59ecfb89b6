"""The marketplace's policy numbers, in one place (spec: names in CAPITALS).

Each can be overridden from the environment with the same name, so an operator can tune the
policy without a code change; `/policy/` shows the values in force.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


OFFER_EXPIRY_DAYS = _int("OFFER_EXPIRY_DAYS", 14)
MILESTONE_AUTO_RELEASE_DAYS = _int("MILESTONE_AUTO_RELEASE_DAYS", 14)
PLATFORM_FEE_PERCENT = _int("PLATFORM_FEE_PERCENT", 10)
ATTACHMENT_MAX_MB = _int("ATTACHMENT_MAX_MB", 10)
# Files one message (or one piece of evidence) may carry; with ATTACHMENT_MAX_MB it sets the
# largest request the app accepts (MAX_REQUEST_BYTES).
ATTACHMENTS_PER_MESSAGE = _int("ATTACHMENTS_PER_MESSAGE", 4)
CANCELLATION_MIN_EXPLANATION = _int("CANCELLATION_MIN_EXPLANATION", 50)
CANCELLATION_RESPONSE_DAYS = _int("CANCELLATION_RESPONSE_DAYS", 7)
MAX_COUNTER_PROPOSALS = _int("MAX_COUNTER_PROPOSALS", 3)
DENIAL_DISPUTE_DAYS = _int("DENIAL_DISPUTE_DAYS", 7)
NEGOTIATION_MIN_HOURS = _int("NEGOTIATION_MIN_HOURS", 48)
NEGOTIATION_DAYS = _int("NEGOTIATION_DAYS", 3)
PROPOSAL_RESPONSE_DAYS = _int("PROPOSAL_RESPONSE_DAYS", 5)
MEDIATION_SLA_DAYS = _int("MEDIATION_SLA_DAYS", 2)
ARBITRATION_SLA_DAYS = _int("ARBITRATION_SLA_DAYS", 5)
FEEDBACK_WINDOW_DAYS = _int("FEEDBACK_WINDOW_DAYS", 14)
MIN_CONTRACTS_FOR_SCORE = _int("MIN_CONTRACTS_FOR_SCORE", 3)
LOW_TRUST_SCORE = _int("LOW_TRUST_SCORE", 60)
DORMANT_CONTRACT_DAYS = _int("DORMANT_CONTRACT_DAYS", 90)
