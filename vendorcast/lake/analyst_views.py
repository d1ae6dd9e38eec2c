"""The analysts' views: one `CREATE OR REPLACE VIEW` per file in vendorcast/lake/views/, written in Trino SQL as
Athena engine v3 runs it, reading curated and forecast tables and other views by unqualified name; loaded here,
and translated with sqlglot for DuckDB, so the same text serves the Glue database and the local lake."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources as importlib_resources

import sqlglot
from sqlglot import exp

VIEWS_FOLDER = "views"
VIEW_DIALECT = "trino"
LOCAL_DIALECT = "duckdb"


class ViewDefinitionError(ValueError):
    """A view file that is not one CREATE OR REPLACE VIEW named like the file."""


@dataclass(frozen=True)
class AnalystView:
    """One view: its name, what it answers (the file's leading comment), and its Trino statement."""

    name: str
    description: str
    statement: str  # CREATE OR REPLACE VIEW ... without the leading comment, as Athena receives it

    def parse(self) -> exp.Create:
        """The statement as a sqlglot tree (Trino dialect); ParseError when it is not valid Trino SQL."""
        tree = sqlglot.parse_one(self.statement, read=VIEW_DIALECT, error_level=sqlglot.ErrorLevel.RAISE)
        # sqlglot keeps a CREATE it cannot parse as an opaque command instead of raising.
        if isinstance(tree, exp.Command):
            raise ViewDefinitionError(f"{self.name}: not valid Trino SQL (sqlglot could not parse the statement)")
        if not isinstance(tree, exp.Create):
            raise ViewDefinitionError(f"{self.name}: expected CREATE OR REPLACE VIEW, found {tree.key.upper()}")
        return tree

    @property
    def duckdb_statement(self) -> str:
        """The statement translated for DuckDB."""
        return sqlglot.transpile(self.statement, read=VIEW_DIALECT, write=LOCAL_DIALECT,
                                 error_level=sqlglot.ErrorLevel.RAISE)[0]

    @property
    def tables(self) -> frozenset[str]:
        """The tables and views the view reads (its own CTE names left out)."""
        tree = self.parse()
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        query = tree.expression
        return frozenset(t.name for t in query.find_all(exp.Table) if t.name not in ctes)


def _split_comment(text: str) -> tuple[str, str]:
    lines = text.strip().splitlines()
    comment = []
    while lines and lines[0].startswith("--"):
        comment.append(lines.pop(0).removeprefix("--").strip())
    return " ".join(comment), "\n".join(lines).strip()


def _load(name: str, text: str) -> AnalystView:
    description, statement = _split_comment(text)
    view = AnalystView(name=name, description=description, statement=statement)
    tree = view.parse()
    if tree.kind != "VIEW" or not tree.args.get("replace"):
        raise ViewDefinitionError(f"{name}: expected CREATE OR REPLACE VIEW")
    declared = tree.this.name
    if declared != name:
        raise ViewDefinitionError(f"{name}.sql creates view {declared!r}; name the file after its view")
    if not description:
        raise ViewDefinitionError(f"{name}.sql: start the file with a comment saying what the view answers")
    return view


def _in_creation_order(views: list[AnalystView]) -> tuple[AnalystView, ...]:
    """Views after the views they read (by name otherwise), so that creating them in this order always works."""
    names = {view.name for view in views}
    reads = {view.name: view.tables & names for view in views}
    ordered: list[AnalystView] = []
    pending = list(views)
    while pending:
        created = {view.name for view in ordered}
        ready = [view for view in pending if reads[view.name] <= created]
        if not ready:
            raise ViewDefinitionError(f"views read each other in a cycle: {', '.join(v.name for v in pending)}")
        ordered += ready
        pending = [view for view in pending if view not in ready]
    return tuple(ordered)


@cache
def analyst_views() -> tuple[AnalystView, ...]:
    """Every view, in the order they can be created: a view may read lake tables and other views."""
    folder = importlib_resources.files("vendorcast.lake").joinpath(VIEWS_FOLDER)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return _in_creation_order([_load(f.name.removesuffix(".sql"), f.read_text("utf-8")) for f in files])


def analyst_view(name: str) -> AnalystView:
    """One view by name; KeyError listing the known ones."""
    for view in analyst_views():
        if view.name == name:
            return view
    raise KeyError(f"unknown view {name!r}; known: {', '.join(v.name for v in analyst_views())}")


__all__ = ["AnalystView", "ViewDefinitionError", "analyst_view", "analyst_views"]
