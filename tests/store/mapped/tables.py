"""An application's tables as the mapped store's tests use them: accounts with e-mails, teams with members."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
)

from scimcore.store.mapped import ChildTable, MappedStore, MemberTable, ResourceMap
from scimcore.store.sql import normalise_url

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(200), nullable=False),
    Column("login", String(300), nullable=False),
    Column("login_key", String(300), nullable=False),
    Column("full_name", String(300)),
    Column("given_name", String(200)),
    Column("family_name", String(200)),
    Column("enabled", Boolean),
    Column("external_id", String(300)),
    Column("title", String(300)),
    Column("employee_number", String(100)),
    Column("manager_id", String(64)),
    Column("scim_version", String(64), nullable=False),
    Column("scim_created", String(40), nullable=False),
    Column("scim_modified", String(40), nullable=False),
    Column("scim_extra", JSON),
    Column("email_list", JSON),
    UniqueConstraint("tenant", "login_key"),
)

account_emails = Table(
    "account_emails",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False),
    Column("address", String(300), nullable=False),
    Column("kind", String(50)),
    Column("is_primary", Boolean),
)

teams = Table(
    "teams",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(200), nullable=False),
    Column("name", String(300), nullable=False),
    Column("name_key", String(300), nullable=False),
    Column("external_id", String(300)),
    Column("scim_version", String(64), nullable=False),
    Column("scim_created", String(40), nullable=False),
    Column("scim_modified", String(40), nullable=False),
    Column("scim_extra", JSON),
    UniqueConstraint("tenant", "name_key"),
)

team_members = Table(
    "team_members",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("team_id", String(64), ForeignKey("teams.id"), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("member_type", String(20)),
    Column("display", String(300)),
    UniqueConstraint("team_id", "member_id"),
)

USERS = ResourceMap(
    "User",
    accounts,
    id=accounts.c.id,
    directory=accounts.c.tenant,
    version=accounts.c.scim_version,
    created=accounts.c.scim_created,
    last_modified=accounts.c.scim_modified,
    unique_key=accounts.c.login_key,
    attributes={
        "userName": accounts.c.login,
        "displayName": accounts.c.full_name,
        "name.givenName": accounts.c.given_name,
        "name.familyName": accounts.c.family_name,
        "active": accounts.c.enabled,
        "externalId": accounts.c.external_id,
        "title": accounts.c.title,
        "emails": ChildTable(
            account_emails,
            parent=account_emails.c.account_id,
            fields={"value": account_emails.c.address, "type": account_emails.c.kind,
                    "primary": account_emails.c.is_primary},
        ),
        f"{ENTERPRISE}:employeeNumber": accounts.c.employee_number,
        f"{ENTERPRISE}:manager.value": accounts.c.manager_id,
    },
    overflow=accounts.c.scim_extra,
)

GROUPS = ResourceMap(
    "Group",
    teams,
    id=teams.c.id,
    directory=teams.c.tenant,
    version=teams.c.scim_version,
    created=teams.c.scim_created,
    last_modified=teams.c.scim_modified,
    unique_key=teams.c.name_key,
    attributes={
        "displayName": teams.c.name,
        "externalId": teams.c.external_id,
        "members": MemberTable(
            team_members,
            group=team_members.c.team_id,
            member=team_members.c.member_id,
            type=team_members.c.member_type,
            display=team_members.c.display,
        ),
    },
    overflow=teams.c.scim_extra,
)


def mapped_store(url: str) -> MappedStore:
    """A mapped store over freshly created application tables at ``url``."""
    engine = create_engine(normalise_url(url))
    metadata.create_all(engine)
    engine.dispose()
    return MappedStore(url, [USERS, GROUPS])


@contextmanager
def opened(url: str) -> Iterator[MappedStore]:
    """:func:`mapped_store`, closed afterwards."""
    store = mapped_store(url)
    try:
        yield store
    finally:
        store.close()
