"""Email that is never lost: delivery rows written with what they announce, sent by a
background task (Django's Tasks API), retried with backoff, deduplicated, and digested."""
