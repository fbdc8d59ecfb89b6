"""The console case view's append-only rows, rendered once for each set of inputs
(kernel.pagecache): the record's events, the thread's messages and the staff reads.

A case worker reads the case whole (hidden messages included, as the record has them), so a
message's key holds no hidden state; each key holds the row and the names it shows, beside
the viewer's time zone and language.
"""

from contracts.models import Attachment
from marketplace.kernel.pagecache import RowFragments


def _attachments(rows: list[dict]) -> None:
    wanted = {row["id"]: row for row in rows}
    for row in rows:
        row["attachments"] = []
    for attachment in (Attachment.objects.filter(message_id__in=wanted).order_by("id")
                       .values("id", "message_id", "original_name")):
        wanted[attachment["message_id"]]["attachments"].append(attachment)


EVENTS = RowFragments("console-event", "admin/disputes/dispute/_event_row.html",
                      key=lambda e: (e.pk, e.created_at, e.actor_label))
MESSAGES = RowFragments("console-message", "admin/disputes/dispute/_message_row.html",
                        key=lambda m: (m["id"], m["created_at"], m["author_name"]),
                        prepare=_attachments)
READS = RowFragments("console-read", "admin/disputes/dispute/_read_row.html",
                     key=lambda r: (r.pk, r.at, r.reader.display_name))
