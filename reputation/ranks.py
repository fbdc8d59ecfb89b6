"""Scores kept where the lists rank by them: the database copies each reputation row's score
onto its user (`User.ranked_score`, the directory's order) and onto that user's jobs
(`Job.client_score`, the job board's order), in the statement that writes the score.

The directory and the job board rank thousands of rows by a score stored in another table:
joining every candidate to its reputation was most of their database time (issue 17). The
copies are kept by triggers, not by our code, so no way of writing a score (a service, the
bulk rebuild's COPY, an admin action, a test's update) can leave them behind, and a save of
a whole user or job cannot write a stale copy back: their own triggers read it afresh.
Installed after every migrate (SQLite drops triggers when it rebuilds a table).
"""

from django.apps import apps
from django.db import connections

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION reputation_copy_scores() RETURNS trigger AS $$
BEGIN
    UPDATE marketplace_user u SET ranked_score = s.score FROM reputation_reputation s, changed c
     WHERE c.user_id = s.user_id AND u.id = s.user_id
       AND u.ranked_score IS DISTINCT FROM s.score;
    UPDATE marketplace_user u SET ranked_score = NULL FROM changed c
     WHERE u.id = c.user_id AND u.ranked_score IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM reputation_reputation s WHERE s.user_id = c.user_id);
    UPDATE reputation_job j SET client_score = s.score FROM reputation_reputation s, changed c
     WHERE c.user_id = s.user_id AND j.client_id = s.user_id
       AND j.client_score IS DISTINCT FROM s.score;
    UPDATE reputation_job j SET client_score = NULL FROM changed c
     WHERE j.client_id = c.user_id AND j.client_score IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM reputation_reputation s WHERE s.user_id = c.user_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reputation_user_score() RETURNS trigger AS $$
BEGIN
    NEW.ranked_score := (SELECT score FROM reputation_reputation WHERE user_id = NEW.id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reputation_job_score() RETURNS trigger AS $$
BEGIN
    NEW.client_score := (SELECT score FROM reputation_reputation WHERE user_id = NEW.client_id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

# (name, table, statement): statement-level triggers see every changed row at once (a COPY
# of 20,000 scores is three UPDATEs, not 20,000 pairs).
PG_TRIGGERS = [
    ("reputation_scores_inserted", "reputation_reputation",
     "AFTER INSERT ON {table} REFERENCING NEW TABLE AS changed "
     "FOR EACH STATEMENT EXECUTE FUNCTION reputation_copy_scores()"),
    ("reputation_scores_updated", "reputation_reputation",
     "AFTER UPDATE ON {table} REFERENCING NEW TABLE AS changed "
     "FOR EACH STATEMENT EXECUTE FUNCTION reputation_copy_scores()"),
    ("reputation_scores_deleted", "reputation_reputation",
     "AFTER DELETE ON {table} REFERENCING OLD TABLE AS changed "
     "FOR EACH STATEMENT EXECUTE FUNCTION reputation_copy_scores()"),
    ("reputation_user_score", "marketplace_user",
     "BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION reputation_user_score()"),
    ("reputation_job_score", "reputation_job",
     "BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION reputation_job_score()"),
]

# SQLite has row triggers only, and a trigger cannot change the row being written: each
# write is followed by an update that sets the copy (SQLite does not fire a trigger from
# its own update, so this ends there).
_USER = "(SELECT score FROM reputation_reputation WHERE user_id = NEW.id)"
_CLIENT = "(SELECT score FROM reputation_reputation WHERE user_id = NEW.client_id)"
SQLITE_TRIGGERS = [
    ("reputation_scores_inserted", "AFTER INSERT ON reputation_reputation BEGIN "
     "UPDATE marketplace_user SET ranked_score = NEW.score WHERE id = NEW.user_id; "
     "UPDATE reputation_job SET client_score = NEW.score WHERE client_id = NEW.user_id; END"),
    ("reputation_scores_updated", "AFTER UPDATE ON reputation_reputation BEGIN "
     "UPDATE marketplace_user SET ranked_score = NEW.score WHERE id = NEW.user_id; "
     "UPDATE reputation_job SET client_score = NEW.score WHERE client_id = NEW.user_id; END"),
    ("reputation_scores_deleted", "AFTER DELETE ON reputation_reputation BEGIN "
     "UPDATE marketplace_user SET ranked_score = NULL WHERE id = OLD.user_id; "
     "UPDATE reputation_job SET client_score = NULL WHERE client_id = OLD.user_id; END"),
    *((f"reputation_user_score_{event.lower()}d",
       f"AFTER {event} ON marketplace_user WHEN NEW.ranked_score IS NOT {_USER} BEGIN "  # noqa: S608
       f"UPDATE marketplace_user SET ranked_score = {_USER} WHERE id = NEW.id; END")
      for event in ("INSERT", "UPDATE")),
    *((f"reputation_job_score_{event.lower()}d",
       f"AFTER {event} ON reputation_job WHEN NEW.client_score IS NOT {_CLIENT} BEGIN "  # noqa: S608
       f"UPDATE reputation_job SET client_score = {_CLIENT} WHERE id = NEW.id; END")
      for event in ("INSERT", "UPDATE")),
]


def install_rank_triggers(using: str = "default") -> None:
    """(Re)create the triggers, then bring every copy up to date (a database migrated before
    they existed, or written while they were missing)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTIONS)
            for name, table, body in PG_TRIGGERS:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
                cursor.execute(f'CREATE TRIGGER "{name}" ' + body.format(table=table))
        elif connection.vendor == "sqlite":
            for name, body in SQLITE_TRIGGERS:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
                cursor.execute(f'CREATE TRIGGER "{name}" {body}')
        else:
            return
        # Both copies brought up to date (on PostgreSQL the rows' own triggers read them).
        cursor.execute("UPDATE marketplace_user SET ranked_score = (SELECT score FROM "
                       "reputation_reputation s WHERE s.user_id = marketplace_user.id)")
        cursor.execute("UPDATE reputation_job SET client_score = (SELECT score FROM "
                       "reputation_reputation s WHERE s.user_id = reputation_job.client_id)")


def install_ranks(sender, using="default", plan=None, **kwargs):
    """post_migrate: once every app's tables exist (it comes once per app with models), and
    only after a migrate (a flush, in tests, keeps triggers)."""
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1] and plan is not None:
        install_rank_triggers(using)
