"""Reads compiled to SQL once per process, for the busiest pages' selectors.

Profiles of the pages put most of each read in Django building and compiling the same SQL
on every request: 0.4-1 ms a query, against about 0.1 ms for the database to answer it. A
`CompiledQuery` is written as an ordinary `values()` queryset built from its parameters; it
is compiled once, with stand-in values, and from then on its SQL runs with each request's
parameters, and its rows are converted the way the ORM converts them.

Parameters are equality values only (ids, states, a moment), each declared with its type:
the stand-in must reach the SQL unchanged, so a parameter the ORM would rewrite (a list for
`__in`, a pattern for `contains`) is refused when the query is compiled, not run wrongly.
"""

import inspect
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections


class CompiledQuery:
    """`build(**params)` returns a `values()` queryset; `rows(**params)` runs it.

        def _events(contract_id: int):  # the annotation gives the stand-in's type
            return Event.objects.filter(contract_id=contract_id).values("seq", "text")[:20]
        EVENTS = CompiledQuery(_events)
        EVENTS.rows(contract_id=7)
    """

    def __init__(self, build, *, using: str = DEFAULT_DB_ALIAS):
        self.build = build
        self.using = using
        signature = inspect.signature(build)
        self.types = {name: p.annotation for name, p in signature.parameters.items()}
        for name, kind in self.types.items():
            if kind not in STAND_INS:
                raise TypeError(f"{build.__qualname__}: parameter {name!r} needs a type "
                                f"among {', '.join(t.__name__ for t in STAND_INS)}")
        self._compiled = {}

    def _compile(self, connection):
        stand_ins = {name: STAND_INS[kind](i) for i, (name, kind) in enumerate(self.types.items())}
        queryset = self.build(**stand_ins)
        query = queryset.query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        names = list(query.selected) if query.selected else [
            *query.extra_select, *query.values_select, *query.annotation_select]
        adapt = {name: _adapter(connection, self.types[name]) for name in self.types}
        slots = []
        for name, stand_in in stand_ins.items():
            adapted = adapt[name](stand_in)
            positions = [i for i, value in enumerate(params) if value == adapted]
            if not positions:
                raise ValueError(f"{self.build.__qualname__}: parameter {name!r} does not reach "
                                 "the SQL as given (only equality parameters can be compiled)")
            slots += [(i, name) for i in positions]
        fields = [column[0] for column in compiler.select[:compiler.col_count]]
        converters = [(i, (convs, expression))
                      for i, (convs, expression) in compiler.get_converters(fields).items()]
        return sql, list(params), slots, adapt, names, converters

    def _statement(self, connection, values: dict) -> tuple[str, list, tuple]:
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._compile(connection)
        sql, params, slots, adapt, names, converters = compiled
        params = list(params)
        for position, name in slots:
            params[position] = adapt[name](values[name])
        return sql, params, (names, converters)

    @staticmethod
    def _rows(connection, results, shape) -> list[dict]:
        names, converters = shape
        out = []
        for row in results:
            if converters:
                row = list(row)
                for position, (convs, expression) in converters:
                    value = row[position]
                    for converter in convs:
                        value = converter(value, expression, connection)
                    row[position] = value
            out.append(dict(zip(names, row, strict=True)))
        return out

    def rows(self, **values) -> list[dict]:
        connection = connections[self.using]
        sql, params, shape = self._statement(connection, values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            results = cursor.fetchall()
        return self._rows(connection, results, shape)

    def read(self, **values) -> "Read":
        """This query with these values, to be read with others (`together`)."""
        return Read(self, values)

    def first(self, **values) -> dict | None:
        found = self.rows(**values)
        return found[0] if found else None


class Read(NamedTuple):
    query: CompiledQuery
    values: dict

    def rows(self) -> list[dict]:
        """This read alone."""
        return self.query.rows(**self.values)


def together(*reads: Read) -> list[list[dict]]:
    """The rows of each read, in order. On PostgreSQL they are sent in one round trip
    (psycopg's pipeline mode: the server answers them one after the other without waiting
    for the client between them), so a page's reads that do not depend on each other cost
    one wait instead of one each: on this project's two-core machines a round trip is most
    of what a small read costs (six reads by primary key: 1.4 ms one by one, 0.6 ms
    together). Elsewhere (SQLite) they run one by one. Each still counts as a query."""
    by_alias: dict[str, list[int]] = {}
    for i, read in enumerate(reads):
        by_alias.setdefault(read.query.using, []).append(i)
    results: list = [None] * len(reads)
    for using, positions in by_alias.items():
        connection = connections[using]
        if connection.vendor != "postgresql" or len(positions) < 2:
            for i in positions:
                results[i] = reads[i].rows()
            continue
        connection.ensure_connection()
        statements = [reads[i].query._statement(connection, reads[i].values) for i in positions]
        cursors = []
        try:
            with connection.connection.pipeline():
                for sql, params, _shape in statements:
                    cursor = connection.cursor()
                    cursors.append(cursor)
                    cursor.execute(sql, params)
                fetched = [cursor.fetchall() for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()
        for i, (_sql, _params, shape), rows in zip(positions, statements, fetched, strict=True):
            results[i] = reads[i].query._rows(connection, rows, shape)
    return results


# Stand-ins no real parameter takes, distinct per position.
STAND_INS = {
    int: lambda i: -7_340_000_000_000 - i,
    str: lambda i: f"\u2060compiled-query-stand-in-{i}\u2060",
    datetime: lambda i: datetime(1901, 2, 3, 4, 5, i % 60, 123_000 + i, tzinfo=UTC),
}


def _adapter(connection, kind):
    if kind is datetime:
        return connection.ops.adapt_datetimefield_value
    return lambda value: value


def instance(model, row: dict, via: str = "", using: str = DEFAULT_DB_ALIAS):
    """A model instance from a compiled row: the model's fields the row holds (through
    `via`, for a related row: "client__"), the others deferred, as the ORM would load it."""
    names, values = [], []
    for field in model._meta.concrete_fields:
        keys = [f"{via}{field.attname}", f"{via}{field.name}"]
        if via and field.primary_key:
            keys.append(f"{via[:-2]}_id")  # "client__" -> the row's own "client_id"
        for key in keys:
            if key in row:
                names.append(field.attname)
                values.append(row[key])
                break
    return model.from_db(using, names, values)


def fields_of(model, via: str = "") -> list[str]:
    """Every concrete field of `model` for `values()` (through `via`: "client__"), as
    `instance` reads them back."""
    return [f"{via}{field.attname}" for field in model._meta.concrete_fields]


def prefetched(owner, relation: str, items: list) -> None:
    """Give `owner` its `relation` (a reverse foreign key) as already loaded, exactly as
    `prefetch_related` would: `owner.<relation>.all()` then asks the database nothing (model
    methods that read it, such as FSM conditions, stay free)."""
    queryset = getattr(owner, relation).all()
    queryset._result_cache = list(items)
    queryset._prefetch_done = True
    cache = owner.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[relation] = queryset
