"""SCIM Bulk (RFC 7644 §3.7): many POST, PUT, PATCH and DELETE operations in one request.

Owns: the BulkRequest and BulkResponse messages; the shape of each operation (``method``, ``bulkId``,
``path``, ``data``, ``version``) with a per-operation 400 that names the attribute at fault; the limits of
§3.7.4 (more than ``maxOperations`` operations, or a body over ``maxPayloadSize``, answers 413 naming the
limit); ``bulkId`` temporary identifiers (§3.7.2): declaring them, finding ``bulkId:<id>`` references in
any string of ``data`` and in ``path``, running an operation only after the one its references name
(forward references are deferred, not failed), and answering 409 for every operation on a circular set of
references (§3.7.1); ``failOnErrors`` (§3.7.3).

Must not: implement resource semantics.  Every operation becomes a new :class:`ScimRequest` served by the
service's public ``handle`` with the parent request's headers (authorization, content type), base URL,
subject and directory, so an operation behaves exactly like the same request sent alone: the same
validation, ETags, members rules and errors.  This module never touches the store or the schema registry,
and imports nothing from :mod:`scimcore.service` (the service hands it ``handle``).

Operations run in request order except where a reference defers one; the BulkResponse lists the operations
that were processed in request order.  Bulk is not atomic (§3.7): an operation that fails leaves the ones
before it in place.
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scimcore import urns
from scimcore.errors import (
    Conflict,
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    NotImplementedYet,
    PayloadTooLarge,
    ScimError,
)
from scimcore.transport import ScimRequest, ScimResponse

BULK_REQUEST = urns.BULK_REQUEST
BULK_RESPONSE = urns.BULK_RESPONSE
METHODS = ("POST", "PUT", "PATCH", "DELETE")

Handle = Callable[[ScimRequest], ScimResponse]
"""The service's entry point: one request value in, one response value out, never raising."""

# A bulkId is a token that can sit inside a path or a filter (``members[value eq "bulkId:x"]``, a
# ``$ref`` URL), so it stops at whitespace, quotes, brackets, separators and slashes.
_ID = r"[^\s\"'\[\](){}<>/\\?#,;]+"
_BULK_ID = re.compile(_ID)
_REFERENCE = re.compile(r"bulkId:(" + _ID + r")")

# Headers that describe the parent request's own body or preconditions, never an operation's.
_PARENT_ONLY_HEADERS = frozenset({"content-length", "transfer-encoding", "if-match", "if-none-match"})


@dataclass(frozen=True, slots=True)
class BulkLimits:
    """What one bulk request may hold (RFC 7644 §3.7.4); ``max_operations`` below 1 turns Bulk off."""

    max_operations: int
    max_payload_bytes: int

    def admit(self, request: ScimRequest) -> None:
        """Refuse, before the body is parsed, a request Bulk will not take.

        501 when Bulk is turned off; 413 naming ``maxPayloadSize`` when the body exceeds it (RFC 7644 §3.7.4:
        "the service provider MUST return HTTP response code 413 ... The returned response MUST specify the
        limit exceeded in the body of the error response").
        """
        if self.max_operations < 1:
            raise NotImplementedYet("Bulk operations are turned off on this service provider.")
        size = len(request.body)
        if size > self.max_payload_bytes:
            raise PayloadTooLarge(
                f"The size of the bulk request ({size} bytes) exceeds maxPayloadSize ({self.max_payload_bytes})."
            )


@dataclass(slots=True)
class _Operation:
    """One entry of ``Operations``, checked; ``problem`` is why it cannot run, if it cannot."""

    index: int
    method: str | None = None
    bulk_id: str | None = None
    path: str | None = None
    data: dict[str, Any] | None = None
    version: str | None = None
    problem: ScimError | None = None
    references: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return f"Operations[{self.index}]"


@dataclass(slots=True)
class _Job:
    """The state of one bulk request while its operations run."""

    handle: Handle
    request: ScimRequest
    operations: list[_Operation]
    fail_on_errors: int | None
    declared: dict[str, int] = field(default_factory=dict)
    created: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    errors: int = 0


def run(
    handle: Handle, request: ScimRequest, body: Any, limits: BulkLimits, endpoints: Collection[str]
) -> dict[str, Any]:
    """Carry out the BulkRequest ``body`` and answer its BulkResponse document (RFC 7644 §3.7).

    ``endpoints`` are the resource endpoints an operation may name (``/Users``); ``/Bulk`` is never one,
    so bulk requests do not nest.  The HTTP status of the bulk request itself is 200 whatever the
    operations' outcomes (§3.7.3); each operation carries its own ``status``.
    """
    raw_operations, fail_on_errors = _message(body)
    if len(raw_operations) > limits.max_operations:
        raise PayloadTooLarge(
            f"The bulk request holds {len(raw_operations)} operations, more than maxOperations "
            f"({limits.max_operations})."
        )
    known = {endpoint.lower(): endpoint for endpoint in endpoints}
    operations = [_operation(index, raw, known) for index, raw in enumerate(raw_operations)]
    job = _Job(handle, request, operations, fail_on_errors)
    _declare(job)
    _execute_all(job)
    return {"schemas": [BULK_RESPONSE], "Operations": [job.results[i] for i in sorted(job.results)]}


# -- the message --------------------------------------------------------------------------------------


def _attr(doc: Mapping[str, Any], name: str) -> Any:
    """Attribute ``name`` of ``doc``; attribute names are case-insensitive (RFC 7643 §2.1)."""
    if name in doc:
        return doc[name]
    lowered = name.lower()
    return next((value for key, value in doc.items() if key.lower() == lowered), None)


def _message(body: Any) -> tuple[list[Any], int | None]:
    """``Operations`` and ``failOnErrors`` of a BulkRequest (RFC 7644 §3.7), or a 400 saying what is wrong."""
    if not isinstance(body, dict):
        raise InvalidSyntax("The bulk request must be a JSON object.")
    schemas = _attr(body, "schemas")
    if schemas is not None and (not isinstance(schemas, list) or BULK_REQUEST not in schemas):
        raise InvalidSyntax(f"A bulk request must list '{BULK_REQUEST}' in 'schemas'.")
    operations = _attr(body, "Operations")
    if not isinstance(operations, list):
        raise InvalidSyntax("A bulk request needs 'Operations', a list of operations.")
    fail_on_errors = _attr(body, "failOnErrors")
    if fail_on_errors is not None and (
        isinstance(fail_on_errors, bool) or not isinstance(fail_on_errors, int) or fail_on_errors < 1
    ):
        raise InvalidValue(f"'failOnErrors' must be a positive integer, got {fail_on_errors!r}.")
    return operations, fail_on_errors


def _operation(index: int, raw: Any, endpoints: Mapping[str, str]) -> _Operation:
    """Check one operation's shape (RFC 7644 §3.7); what is wrong becomes its ``problem``."""
    op = _Operation(index)
    if not isinstance(raw, dict):
        op.problem = InvalidSyntax(f"'{op.name}' must be a JSON object.")
        return op
    method, bulk_id = _attr(raw, "method"), _attr(raw, "bulkId")
    # Echoed in the result even when the operation is refused, so the client can tell which one it was.
    op.method = method.upper() if isinstance(method, str) else None
    op.bulk_id = bulk_id if isinstance(bulk_id, str) else None
    try:
        _check_method(op, method)
        _check_bulk_id(op, bulk_id)
        op.path = _check_path(op, _attr(raw, "path"), endpoints)
        op.data = _check_data(op, _attr(raw, "data"))
        op.version = _check_version(op, _attr(raw, "version"))
    except ScimError as exc:
        op.problem = exc
        return op
    op.references = frozenset(_references([op.path, op.data]))
    return op


def _check_method(op: _Operation, method: Any) -> None:
    """``method``: one of POST, PUT, PATCH or DELETE (RFC 7644 §3.7)."""
    if method is None:
        raise InvalidValue(f"'{op.name}.method' is required: one of {', '.join(METHODS)}.")
    if op.method not in METHODS:
        raise InvalidValue(f"'{op.name}.method' must be one of {', '.join(METHODS)}, got {method!r}.")


def _check_bulk_id(op: _Operation, bulk_id: Any) -> None:
    """``bulkId``: required for POST, where it names the resource to be created (RFC 7644 §3.7, §3.7.2)."""
    if bulk_id is None:
        if op.method == "POST":
            raise InvalidValue(f"'{op.name}.bulkId' is required for POST (RFC 7644 §3.7).")
        return
    if not isinstance(bulk_id, str):
        raise InvalidValue(f"'{op.name}.bulkId' must be a string.")
    if op.method == "POST" and not _BULK_ID.fullmatch(bulk_id):
        raise InvalidValue(
            f"'{op.name}.bulkId' {bulk_id!r} must be non-empty and free of whitespace, quotes, brackets, "
            "slashes and the characters ?#,;<>{}()."
        )


def _check_path(op: _Operation, path: Any, endpoints: Mapping[str, str]) -> str:
    """``path``: a resource endpoint for POST, one resource for PUT, PATCH and DELETE (RFC 7644 §3.7)."""
    if not isinstance(path, str) or not path.strip("/"):
        raise InvalidPath(f"'{op.name}.path' is required: the resource's path relative to the service root.")
    if "?" in path or "#" in path or "://" in path:
        raise InvalidPath(f"'{op.name}.path' must be a path relative to the service root, got {path!r}.")
    segments = path.strip("/").split("/")
    endpoint = endpoints.get("/" + segments[0].lower())
    if endpoint is None:
        known = ", ".join(sorted(endpoints.values()))
        raise InvalidPath(f"'{op.name}.path' {path!r} names no resource endpoint (known: {known}).")
    if op.method == "POST":
        if len(segments) != 1:
            raise InvalidPath(
                f"'{op.name}.path' of a POST must be a resource endpoint such as {endpoint}, got {path!r}."
            )
        return endpoint
    if len(segments) != 2 or not segments[1]:
        raise InvalidPath(
            f"'{op.name}.path' of a {op.method} must name one resource such as {endpoint}/{{id}}, got {path!r}."
        )
    return f"{endpoint}/{segments[1]}"


def _check_data(op: _Operation, data: Any) -> dict[str, Any] | None:
    """``data``: required for POST, PUT and PATCH as the body of the single request (RFC 7644 §3.7)."""
    if op.method == "DELETE":
        return None
    if data is None:
        raise InvalidSyntax(f"'{op.name}.data' is required for {op.method}.")
    if not isinstance(data, dict):
        raise InvalidSyntax(f"'{op.name}.data' must be a JSON object.")
    return data


def _check_version(op: _Operation, version: Any) -> str | None:
    """``version``: the expected ETag of PUT, PATCH or DELETE, sent on as ``If-Match`` (RFC 7644 §3.7, §3.14)."""
    if version is None:
        return None
    if not isinstance(version, str) or not version.strip():
        raise InvalidValue(f"'{op.name}.version' must be an entity tag such as W/\"3\".")
    if op.method == "POST":
        raise InvalidValue(f"'{op.name}.version' applies to PUT, PATCH and DELETE, not to POST.")
    return version


# -- bulkId references (RFC 7644 §3.7.2) --------------------------------------------------------------


def _strings(value: Any) -> Iterable[str]:
    """Every string value anywhere in ``value``."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _references(value: Any) -> set[str]:
    """The bulkIds that ``bulkId:<id>`` references in ``value`` name."""
    return {match.group(1) for text in _strings(value) if "bulkId:" in text for match in _REFERENCE.finditer(text)}


def _resolve(value: Any, created: Mapping[str, str]) -> Any:
    """``value`` with every ``bulkId:<id>`` whose resource exists replaced by the resource's id (§3.7.2)."""
    if isinstance(value, str):
        if "bulkId:" not in value:
            return value
        return _REFERENCE.sub(lambda m: created.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {key: _resolve(item, created) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, created) for item in value]
    return value


def _declare(job: _Job) -> None:
    """Record which POST creates each bulkId; a bulkId used twice, or never declared, fails its operation."""
    for op in job.operations:
        if op.method != "POST" or op.bulk_id is None or not _BULK_ID.fullmatch(op.bulk_id):
            continue
        first = job.declared.setdefault(op.bulk_id, op.index)
        if first != op.index and op.problem is None:
            op.problem = InvalidValue(
                f"'{op.name}.bulkId' {op.bulk_id!r} is already used by 'Operations[{first}]'; "
                "a bulkId must be unique within a bulk request."
            )
    for op in job.operations:
        unknown = sorted(op.references - job.declared.keys())
        if op.problem is None and unknown:
            op.problem = InvalidValue(
                f"'{op.name}' refers to 'bulkId:{unknown[0]}', but no POST in this bulk request has that bulkId."
            )


# -- running the operations ---------------------------------------------------------------------------


def _execute_all(job: _Job) -> None:
    """Run every operation once what it refers to exists, in request order otherwise (RFC 7644 §3.7.1-§3.7.3).

    An operation waits for the POSTs whose bulkIds it refers to.  When every remaining operation waits,
    the ones on a circular chain of references answer 409 (§3.7.1 lets the service provider "stop after a
    failed attempt and instead return HTTP status code 409 (Conflict)"), and operations waiting on a failed
    one answer 409 in turn.  Processing stops once ``failOnErrors`` operations have failed (§3.7.3).
    """
    ops = job.operations
    waits_on: dict[int, set[int]] = {}
    dependents: dict[int, list[int]] = {op.index: [] for op in ops}
    for op in ops:
        needed = set() if op.problem else {job.declared[ref] for ref in op.references}
        waits_on[op.index] = needed
        for index in needed:
            dependents[index].append(op.index)
    pending = {op.index for op in ops}
    ready = [index for index in pending if not waits_on[index]]
    heapq.heapify(ready)

    def settle(index: int) -> bool:
        """Record that ``index`` ran; ``False`` once failOnErrors is reached."""
        pending.discard(index)
        for dependent in dependents[index]:
            waiting = waits_on[dependent]
            waiting.discard(index)
            if not waiting and dependent in pending:
                heapq.heappush(ready, dependent)
        return job.fail_on_errors is None or job.errors < job.fail_on_errors

    while pending:
        if not ready:
            for index in _circular(pending, waits_on):
                op = ops[index]
                refs = ", ".join(f"bulkId:{r}" for r in sorted(op.references))
                _fail(job, op, Conflict(f"'{op.name}' is part of a circular chain of references ({refs})."))
                if not settle(index):
                    return
            continue
        index = heapq.heappop(ready)
        if index not in pending:
            continue
        _execute(job, ops[index])
        if not settle(index):
            return


def _circular(pending: set[int], waits_on: Mapping[int, set[int]]) -> list[int]:
    """The pending operations on a cycle of references, in request order (Tarjan's SCC, iteratively)."""
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    cyclic: list[int] = []
    for root in sorted(pending):
        if root in order:
            continue
        work: list[tuple[int, list[int]]] = [(root, sorted(waits_on[root] & pending))]
        order[root] = low[root] = len(order)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            if successors:
                nxt = successors.pop()
                if nxt not in order:
                    order[nxt] = low[nxt] = len(order)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(waits_on[nxt] & pending)))
                elif nxt in on_stack:
                    low[node] = min(low[node], order[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in waits_on[node]:
                    cyclic.extend(component)
    return sorted(cyclic)


def _execute(job: _Job, op: _Operation) -> None:
    """Run one operation through the service, or fail it without running when it cannot run."""
    if op.problem is not None:
        _fail(job, op, op.problem)
        return
    lost = sorted(ref for ref in op.references if ref in job.failed)
    if lost:
        detail = f"'{op.name}' refers to 'bulkId:{lost[0]}', whose operation failed, so it cannot be resolved."
        _fail(job, op, Conflict(detail))
        return
    assert op.method is not None and op.path is not None
    path = _resolve(op.path, job.created)
    data = _resolve(op.data, job.created)
    parent = job.request
    headers = {k: v for k, v in parent.headers.items() if k.lower() not in _PARENT_ONLY_HEADERS}
    if op.version is not None:
        headers["if-match"] = op.version
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") if data is not None else b""
    response = job.handle(
        ScimRequest(op.method, path, "", headers, body, parent.base_url, parent.subject, parent.directory)
    )
    _record(job, op, path, response)


def _record(job: _Job, op: _Operation, path: str, response: ScimResponse) -> None:
    """The BulkResponse entry of an operation that ran (RFC 7644 §3.7: location, version, status, response)."""
    try:
        body = json.loads(response.body) if response.body else None
    except ValueError:
        body = None
    result = _result(op)
    ok = response.status < 400
    location = response.header("Location")
    if location is None and isinstance(body, dict):
        meta = body.get("meta")
        location = meta.get("location") if isinstance(meta, dict) else None
    if location is None and (op.method != "POST" or ok):
        location = job.request.base_url + path
    if location is not None:
        result["location"] = location
    version = response.header("ETag")
    if ok and version is not None:
        result["version"] = version
    result["status"] = str(response.status)
    if not ok and body is not None:
        result["response"] = body  # the SCIM Error the service answered (RFC 7644 §3.7: MUST be included)
    job.results[op.index] = result
    if op.method == "POST" and op.bulk_id is not None and job.declared.get(op.bulk_id) == op.index:
        created = body.get("id") if ok and isinstance(body, dict) else None
        if isinstance(created, str):
            job.created[op.bulk_id] = created
        else:
            job.failed.add(op.bulk_id)
    if not ok:
        job.errors += 1


def _fail(job: _Job, op: _Operation, error: ScimError) -> None:
    """The BulkResponse entry of an operation refused without running (status as a string, §3.12)."""
    result = _result(op)
    if op.method not in (None, "POST") and op.path is not None:
        path = _resolve(op.path, job.created)
        if "bulkId:" not in path:
            result["location"] = job.request.base_url + path
    result["status"] = str(error.status)
    result["response"] = error.body()
    job.results[op.index] = result
    if op.method == "POST" and op.bulk_id is not None and job.declared.get(op.bulk_id) == op.index:
        job.failed.add(op.bulk_id)
    job.errors += 1


def _result(op: _Operation) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if op.method is not None:
        result["method"] = op.method
    if op.bulk_id is not None:
        result["bulkId"] = op.bulk_id
    return result
