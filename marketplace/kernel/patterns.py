"""`contains` and `icontains` whose pattern is written in Python, so a search can be compiled
once (kernel.compiled).

Django's lookups wrap a search term in `%…%` (escaped) as they build the SQL: the term a
compiled query was built with would never reach its SQL as given, so searches could not be
compiled. These lookups take the pattern `like_pattern(term)` already made and put it in the
SQL unchanged, with the same SQL as Django's own lookup (an index that served `contains`,
such as a trigram index, still serves it).

    qs.filter(ContainsPattern(F("search_text"), like_pattern("django")))
"""

from django.db import connection
from django.db.models.lookups import Contains, IContains, PatternLookup


def like_pattern(term: str) -> str:
    """`%term%` with LIKE's special characters escaped, as Django's lookups write it."""
    return f"%{connection.ops.prep_for_like_query(term)}%"


class _AsGiven:
    def process_rhs(self, compiler, connection):
        # PatternLookup.process_rhs is what wraps and escapes: skip it, keep the rest.
        return super(PatternLookup, self).process_rhs(compiler, connection)


class ContainsPattern(_AsGiven, Contains):
    pass


class IContainsPattern(_AsGiven, IContains):
    pass
