"""Job board actions, each bound to one service."""

from django.utils.translation import gettext_lazy as _

from marketplace.kernel.actions import Action
from reputation.services import jobs

JOB_ACTIONS = {a.name: a for a in [
    Action(name="close", label=_("Close the job"), service=jobs.job_close,
           style="outline-secondary", explanation=_("The job leaves the board.")),
]}

APPLICATION_ACTIONS = {a.name: a for a in [
    Action(name="hire", label=_("Hire"), service=jobs.job_hire, style="success",
           next_url=lambda contract: contract.get_absolute_url(),
           explanation=_("An offer at this applicant's price is sent to them; the job is filled "
                         "and the other applicants are told.")),
    Action(name="withdraw", label=_("Withdraw my application"),
           service=jobs.application_withdraw, style="outline-secondary"),
]}
