"""A FastAPI application whose own ``accounts`` and ``teams`` tables receive SCIM provisioning.

Run it from the repository root::

    SCIMCORE_TOKEN=T DATABASE_URL=sqlite:///./own.db uvicorn examples.own_tables_sqlalchemy:app --port 8080

and point the identity provider at ``http://HOST:8080/scim/v2`` with the bearer token ``T``
(``DATABASE_URL=postgresql://user@host/db`` for PostgreSQL).  The models below are the application's, as it
would have them anyway; :data:`USERS` and :data:`GROUPS` say where SCIM's attributes go.  scimcore keeps only
its own records (directories, tokens, the event outbox) in ``scim_*`` tables of the same database, written in
the same transaction as the rows.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

from scimcore import BearerTokens, ScimService
from scimcore.asgi import ScimASGI
from scimcore.store.mapped import ChildTable, Field, JsonColumn, MappedStore, MemberTable, ResourceMap
from scimcore.store.sql import normalise_url

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///./own.db")


# -- the application's models ------------------------------------------------------------------------------
class Base(DeclarativeBase):
    """The application's declarative base."""


class Account(Base):
    """A person who may sign in to the application."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("tenant", "login_key"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(200), index=True)
    login: Mapped[str] = mapped_column(String(300))
    login_key: Mapped[str] = mapped_column(String(300))  # the login folded, for case-insensitive uniqueness
    full_name: Mapped[str | None] = mapped_column(String(300))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")
    external_id: Mapped[str | None] = mapped_column(String(300))
    job_title: Mapped[str | None] = mapped_column(String(300))
    department: Mapped[str | None] = mapped_column(String(300))
    employee_no: Mapped[str | None] = mapped_column(String(100))
    manager_id: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    phones: Mapped[list[Any] | None] = mapped_column(JSON)
    scim_version: Mapped[str] = mapped_column(String(64))
    scim_created: Mapped[str] = mapped_column(String(40))
    scim_modified: Mapped[str] = mapped_column(String(40))
    scim_extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    emails: Mapped[list[AccountEmail]] = relationship(order_by="AccountEmail.id")
    teams: Mapped[list[Team]] = relationship(secondary="team_memberships", order_by="Team.name", viewonly=True)


class AccountEmail(Base):
    """One e-mail address of an account."""

    __tablename__ = "account_emails"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(50))
    is_primary: Mapped[bool | None]
    label: Mapped[str | None] = mapped_column(String(300))


class Team(Base):
    """A team of accounts."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant", "name_key"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(300))
    scim_version: Mapped[str] = mapped_column(String(64))
    scim_created: Mapped[str] = mapped_column(String(40))
    scim_modified: Mapped[str] = mapped_column(String(40))
    scim_extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class TeamMembership(Base):
    """An account's membership of a team."""

    __tablename__ = "team_memberships"
    __table_args__ = (UniqueConstraint("team_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)


# -- where SCIM goes ----------------------------------------------------------------------------------------
USERS = ResourceMap(
    "User",
    Account,
    id=Account.id,
    directory=Account.tenant,
    version=Account.scim_version,
    created=Account.scim_created,
    last_modified=Account.scim_modified,
    unique_key=Account.login_key,
    attributes={
        "userName": Account.login,
        "displayName": Account.full_name,
        "name.givenName": Account.first_name,
        "name.familyName": Account.last_name,
        "active": Field(Account.status, dump=lambda active: "active" if active else "suspended",
                        load=lambda status: status == "active"),
        "externalId": Account.external_id,
        "title": Account.job_title,
        "password": Account.password_hash,  # scimcore stores a hash, never the password
        "emails": ChildTable(AccountEmail, parent=AccountEmail.account_id,
                             fields={"value": AccountEmail.address, "type": AccountEmail.kind,
                                     "primary": AccountEmail.is_primary, "display": AccountEmail.label}),
        "phoneNumbers": JsonColumn(Account.phones),
        f"{ENTERPRISE}:department": Account.department,
        f"{ENTERPRISE}:employeeNumber": Account.employee_no,
        f"{ENTERPRISE}:manager.value": Account.manager_id,
    },
    overflow=Account.scim_extra,  # whatever else an identity provider sends
)

GROUPS = ResourceMap(
    "Group",
    Team,
    id=Team.id,
    directory=Team.tenant,
    version=Team.scim_version,
    created=Team.scim_created,
    last_modified=Team.scim_modified,
    unique_key=Team.name_key,
    attributes={
        "displayName": Team.name,
        "externalId": Team.external_id,
        "members": MemberTable(TeamMembership, group=TeamMembership.team_id, member=TeamMembership.account_id),
    },
    overflow=Team.scim_extra,
)

engine = create_engine(normalise_url(DATABASE_URL))
Base.metadata.create_all(engine)  # the application's tables (its own migrations, in a real application)
store = MappedStore(DATABASE_URL, [USERS, GROUPS])
service = ScimService(store, authenticator=BearerTokens([os.environ.get("SCIMCORE_TOKEN", "change-me")]))
scim_app = ScimASGI(service)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    async with scim_app.dispatching():  # FastAPI runs no mounted app's lifespan: webhooks are delivered here
        yield
    store.close()
    engine.dispose()


app = FastAPI(title="Acme", lifespan=lifespan)
app.mount("/scim/v2", scim_app)


@app.get("/accounts")
def accounts() -> list[dict[str, Any]]:
    """The application's accounts, read with its own models: provisioning wrote them."""
    with Session(engine) as session:
        found = session.scalars(
            select(Account).options(selectinload(Account.emails), selectinload(Account.teams)).order_by(Account.login)
        )
        return [
            {"login": a.login, "name": a.full_name, "status": a.status, "emails": [e.address for e in a.emails],
             "teams": [t.name for t in a.teams]}
            for a in found
        ]
