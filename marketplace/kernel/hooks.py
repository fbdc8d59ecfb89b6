"""Signals that let one app react to another's outcomes without importing it.

`reputation_changed` is sent, inside the transaction, when something that counts in a
reputation happened to these users (a contract ended, feedback was revealed); the
reputation app recomputes their scores there and then.
"""

from django.dispatch import Signal

reputation_changed = Signal()  # kwargs: users (list of User)
