"""WithDeadline: the deadline of an object's current state, with its two reminders.

Each deadline sends a reminder halfway and one day before it ends (spec section 4). The
reminder times are stored when the deadline starts, so the sweep is an indexed range scan,
and cleared once sent, so a reminder goes out once even if the sweep runs twice.
"""

from datetime import datetime, timedelta

from django.db import models

REMINDER_LEAD = timedelta(days=1)
DEADLINE_FIELDS = ["deadline_at", "reminder_half_at", "reminder_last_at"]


class WithDeadline(models.Model):
    deadline_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminder_half_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminder_last_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    def start_deadline(self, *, now: datetime, duration: timedelta) -> None:
        """Set a new deadline `duration` from `now`, with fresh reminders."""
        self.deadline_at = now + duration
        self.reminder_half_at = now + duration / 2
        last = self.deadline_at - REMINDER_LEAD
        # For a short deadline "one day before" would come before halfway: send one reminder.
        self.reminder_last_at = last if last > self.reminder_half_at else None

    def clear_deadline(self) -> None:
        self.deadline_at = self.reminder_half_at = self.reminder_last_at = None

    @property
    def deadline_fields(self) -> list[str]:
        return DEADLINE_FIELDS
