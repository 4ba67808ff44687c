"""Tables and migrations of the SQL store (SQLAlchemy Core), for SQLite and PostgreSQL.

``scim_resources`` keeps one row per resource: its canonical JSON document (without group members) plus
indexed columns for the hot lookups — ``unique_value`` (the folded ``userName`` of a User, the
``displayName`` of a Group: :func:`scimcore.schema.folding.fold`), ``external_id``, the version and the meta
timestamps.  ``scim_members`` keeps group memberships one row each, so member changes cost O(members
changed) and a group read without members never touches them.  ``seq`` columns give a stable insertion order
for paging without ``sortBy``.

Migrations are numbered steps applied in order inside one transaction and recorded in
``scim_schema_version``; a step never drops or rewrites data it does not own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from scimcore.schema.folding import fold

_log = logging.getLogger("scimcore")

metadata = MetaData()

DocType = JSON().with_variant(JSONB(), "postgresql")
SeqType = BigInteger().with_variant(Integer(), "sqlite")

resources = Table(
    "scim_resources",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("directory", String(200), nullable=False),
    Column("resource_type", String(100), nullable=False),
    Column("id", String(200), nullable=False),
    Column("unique_value", Text, nullable=True),
    Column("external_id", Text, nullable=True),
    Column("version", String(64), nullable=False),
    Column("created", String(40), nullable=False),
    Column("last_modified", String(40), nullable=False),
    Column("doc", DocType, nullable=False),
    UniqueConstraint("directory", "resource_type", "id", name="uq_scim_resources_id"),
    UniqueConstraint("directory", "resource_type", "unique_value", name="uq_scim_resources_unique_value"),
    Index("ix_scim_resources_external_id", "directory", "resource_type", "external_id"),
    Index("ix_scim_resources_id", "directory", "id"),
)

members = Table(
    "scim_members",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("directory", String(200), nullable=False),
    Column("group_type", String(100), nullable=False),
    Column("group_id", String(200), nullable=False),
    Column("member_id", String(200), nullable=False),
    Column("member_type", String(100), nullable=True),
    Column("display", Text, nullable=True),
    UniqueConstraint("directory", "group_id", "member_id", name="uq_scim_members"),
    Index("ix_scim_members_member", "directory", "member_id"),
)

directories = Table(
    "scim_directories",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("id", String(200), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("provider", String(40), nullable=False),
    Column("tenant", Text, nullable=True),
    Column("product", Text, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created", String(40), nullable=False),
    Column("webhook_url", Text, nullable=True),
    Column("webhook_secret", Text, nullable=True),
    Column("options", DocType, nullable=False),
    Column("event_delivery", String(16), nullable=False, server_default="webhook"),
    Column("set_form", String(16), nullable=False, server_default="full"),
)

tokens = Table(
    "scim_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("directory_id", String(200), nullable=False, index=True),
    Column("created", String(40), nullable=False),
    Column("revoked", Boolean, nullable=False),
)

events = Table(
    "scim_events",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("directory", String(200), nullable=False),
    Column("type", String(40), nullable=False),
    Column("resource_key", String(200), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("payload", DocType, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("retry_at", Float, nullable=False),
    Column("locked_until", Float, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("changed", DocType, nullable=True),
    Index("ix_scim_events_directory", "directory", "seq"),
    Index("ix_scim_events_due", "status", "retry_at"),
    Index("ix_scim_events_resource", "directory", "resource_key", "status", "seq"),
)

counts = Table(
    "scim_counts",
    metadata,
    Column("directory", String(200), primary_key=True),
    Column("resource_type", String(100), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

recorded = Table(
    "scim_recorded_requests",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("directory", String(200), nullable=False),
    Column("at", String(40), nullable=False),
    Column("method", String(16), nullable=False),
    Column("path", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("body", Text, nullable=False),
    Column("detail", Text, nullable=True),
    Column("request_id", Text, nullable=True),
    Column("resource_id", Text, nullable=True),
    Index("ix_scim_recorded_directory", "directory", "seq"),
)

admins = Table(
    "scim_admins",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("created", String(40), nullable=False),
)

session_ends = Table(
    "scim_admin_session_ends",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("until", Float, nullable=False, index=True),
)

setup_links = Table(
    "scim_setup_links",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("directory", String(200), nullable=False, index=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created", String(40), nullable=False),
    Column("expires", String(40), nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("token_revealed", Boolean, nullable=False),
)

signing_keys = Table(
    "scim_signing_keys",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("scope", String(200), nullable=False),
    Column("kid", String(100), nullable=False),
    Column("private_jwk", Text, nullable=False),
    Column("created", String(40), nullable=False),
    Column("retired", Boolean, nullable=False),
    UniqueConstraint("scope", "kid", name="uq_scim_signing_keys"),
)

schema_version = Table(
    "scim_schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
)


def _step_1(conn: Connection) -> None:
    for table in (resources, members):
        table.create(conn, checkfirst=True)


def _step_2(conn: Connection) -> None:
    """Directories, token digests and the event outbox."""
    for table in (directories, tokens, events):
        table.create(conn, checkfirst=True)


def _step_3(conn: Connection) -> None:
    """Resource counts per directory and type, so an unfiltered ``totalResults`` needs no table scan."""
    counts.create(conn, checkfirst=True)
    grouped = select(resources.c.directory, resources.c.resource_type, func.count()).group_by(
        resources.c.directory, resources.c.resource_type
    )
    rows = [{"directory": d, "resource_type": t, "n": n} for d, t, n in conn.execute(grouped)]
    if rows:
        conn.execute(counts.insert(), rows)


FOLDED_TYPES = {"User": "userName", "Group": "displayName"}
"""The resource types whose ``unique_value`` step 4 re-keys, with their unique attribute (RFC 7643 §4.1, §4.2)."""


def _step_4(conn: Connection) -> None:
    """Re-key ``unique_value`` of Users and Groups by :func:`~scimcore.schema.folding.fold`, not ``lower()``.

    Only non-ASCII values change.  Rows that fold to the same key within a directory (``straße`` and
    ``STRASSE``, kept apart before) keep their data: the oldest gets the key, the others none, and they are
    named in a warning so an operator can rename them; a later write of such a row is refused until then.
    """
    rows = conn.execute(
        select(resources.c.seq, resources.c.directory, resources.c.resource_type, resources.c.id,
               resources.c.unique_value)
        .where(resources.c.resource_type.in_(list(FOLDED_TYPES)), resources.c.unique_value.is_not(None))
        .order_by(resources.c.seq)
    ).all()
    changed: list[tuple[int, str | None]] = []
    taken: dict[tuple[str, str, str], str] = {}
    for seq, directory, resource_type, rid, current in rows:
        key = fold(current)
        holder = taken.setdefault((directory, resource_type, key), rid)
        if holder != rid:
            _log.warning(
                "%s %s in directory %s has the %s of %s once case and width are folded; it keeps its data but "
                "no unique key until it is renamed", resource_type, rid, directory, FOLDED_TYPES[resource_type],
                holder,
            )
            changed.append((seq, None))
        elif key != current:
            changed.append((seq, key))
    if not changed:
        return
    seqs = [seq for seq, _ in changed]
    conn.execute(update(resources).where(resources.c.seq.in_(seqs)).values(unique_value=None))
    for seq, new_key in changed:
        if new_key is not None:
            conn.execute(update(resources).where(resources.c.seq == seq).values(unique_value=new_key))


def _step_5(conn: Connection) -> None:
    """The flight recorder's requests (:mod:`scimcore.recorder`)."""
    recorded.create(conn, checkfirst=True)


def _step_6(conn: Connection) -> None:
    """The admin console's accounts (:mod:`scimcore.console`)."""
    admins.create(conn, checkfirst=True)


def _step_7(conn: Connection) -> None:
    """Setup links and signed-out console sessions (:mod:`scimcore.setup_links`, :mod:`scimcore.console`)."""
    setup_links.create(conn, checkfirst=True)
    session_ends.create(conn, checkfirst=True)


def _step_8(conn: Connection) -> None:
    """Security Event Tokens (RFC 9967): event delivery per directory, changed attributes, signing keys.

    Each directory's event delivery and SET form, the attributes an update event changed (for notice SETs),
    and the signing keys.  A directory created before keeps scimcore's own webhook events (``webhook``,
    ``full``); events written before have no ``changed`` list.
    """
    present = {column["name"] for column in inspect(conn).get_columns(directories.name)}
    for name, default in (("event_delivery", "webhook"), ("set_form", "full")):
        if name not in present:
            conn.execute(text(
                f"ALTER TABLE {directories.name} ADD COLUMN {name} VARCHAR(16) NOT NULL DEFAULT '{default}'"
            ))
    if "changed" not in {column["name"] for column in inspect(conn).get_columns(events.name)}:
        kind = "JSONB" if conn.dialect.name == "postgresql" else "JSON"
        conn.execute(text(f"ALTER TABLE {events.name} ADD COLUMN changed {kind}"))
    signing_keys.create(conn, checkfirst=True)


def _step_9(conn: Connection) -> None:
    """SQLite's trigram index for substring filters (:mod:`~scimcore.store.sql.text_index`)."""
    from scimcore.store.sql import text_index

    text_index.create(conn)


MIGRATIONS: list[Callable[[Connection], None]] = [
    _step_1, _step_2, _step_3, _step_4, _step_5, _step_6, _step_7, _step_8, _step_9,
]
"""Migration steps; step ``n`` (1-based) brings the schema from version ``n - 1`` to ``n``."""

LATEST = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    """The schema version recorded in the database (0 for an empty database)."""
    schema_version.create(conn, checkfirst=True)
    found = conn.execute(select(schema_version.c.version).order_by(schema_version.c.version.desc())).first()
    return int(found[0]) if found else 0


def upgrade(conn: Connection) -> tuple[int, int]:
    """Apply every pending migration in the caller's transaction; return (from, to) versions."""
    start = current_version(conn)
    if start > LATEST:
        raise RuntimeError(
            f"the database schema is at version {start}, newer than this scimcore ({LATEST}); upgrade scimcore"
        )
    for number in range(start + 1, LATEST + 1):
        MIGRATIONS[number - 1](conn)
        conn.execute(schema_version.insert().values(version=number))
    return start, LATEST
