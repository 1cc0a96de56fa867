"""Idempotency-Key for the API's money-moving POSTs (API.md: the same key and body again
returns the first response and changes nothing; the same key with another body is 422).

Usage, on a DRF view method that returns a ``Response`` (``@action`` goes on top)::

    @extend_schema(...)
    @action(detail=True, methods=["post"])
    @idempotent
    def disburse(self, request, pk=None): ...

The first request claims the key by inserting an ``IdempotencyRecord`` in its own, committed
transaction (Saleor's unique constraint makes a second claim fail), then runs the view and
stores its status and body; a repeat gets the stored response back (Zulip's idempotent
requests), a concurrent repeat waits for it. Rows live ``IDEMPOTENCY_TTL_HOURS`` (a day);
``manage.py purge_idempotency`` removes older ones.

This module must not import ``microloan.models`` at module level: ``models.py`` imports it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .errors import DomainError

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
SCOPE_MAX_LENGTH = 255
POLL_SECONDS = 0.05
PURGE_BATCH = 5000  # rows per DELETE, so a large purge never holds long locks

# For views that want the header in the OpenAPI schema: @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER]).
IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A client-chosen key (1-255 characters). Repeating the request with the same key and body "
    "returns the first response (with `Idempotent-Replayed: true`) and changes nothing; the same "
    "key with another body is 422. Keys are kept for 24 hours.",
)

# Exceptions whose outcome does not depend on luck: the API's exception handler turns them
# into a 4xx, and the same request would get the same answer again, so the answer is stored.
# Anything else (a bug, a lost database) releases the key so that a retry can run.
DETERMINISTIC_ERRORS = (
    APIException,
    DomainError,
    Http404,
    DjangoPermissionDenied,
    DjangoValidationError,
    ObjectDoesNotExist,
)


class IdempotencyRecord(models.Model):
    """One claimed Idempotency-Key: while ``status_code`` is null the first request is still
    running; afterwards the row holds the response every repeat gets back."""

    key = models.CharField(max_length=KEY_MAX_LENGTH)
    # "<user id or 'anon'>:<request path>": one user's key never meets another user's.
    scope = models.CharField(max_length=SCOPE_MAX_LENGTH)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} -> {self.status_code or 'in flight'}"


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """sha256 of method, path and the raw body: what "the same request" means for a key."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        # Length-prefixed, so no choice of path and body can pass for another.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def request_scope(*, user_id: int | None, path: str) -> str:
    scope = f"{user_id if user_id is not None else 'anon'}:{path}"
    if len(scope) > SCOPE_MAX_LENGTH:
        scope = f"{user_id if user_id is not None else 'anon'}:sha256:{hashlib.sha256(path.encode()).hexdigest()}"
    return scope


def _raw_body(request) -> bytes:
    try:
        return request.body
    except RawPostDataException:
        # Something (a form parse for a CSRF check) consumed the stream before us: fall back
        # to the parsed data, in a canonical form.
        return json.dumps(request.data, sort_keys=True, default=str).encode()


def _jsonable(data):
    """The body exactly as the client got it: Decimals, dates and lazy strings the way DRF's
    JSON renderer wrote them."""
    if data is None:
        return None
    return json.loads(JSONRenderer().render(data))


def _replay(record: IdempotencyRecord) -> Response:
    return Response(record.response_body, status=record.status_code, headers={REPLAYED_HEADER: "true"})


def _claim(*, key: str, scope: str, request_hash: str, user) -> IdempotencyRecord | Response:
    """Claim the key for this request, or return the response a holder of the key earned."""
    deadline = time.monotonic() + float(getattr(settings, "IDEMPOTENCY_WAIT_SECONDS", 15))
    while True:
        try:
            # Committed at once (outside any business transaction; ATOMIC_REQUESTS is off), so
            # a concurrent request sees the claim and waits instead of running the work twice.
            with transaction.atomic():
                return IdempotencyRecord.objects.create(key=key, scope=scope, request_hash=request_hash, user=user)
        except IntegrityError:
            pass
        while (held := IdempotencyRecord.objects.filter(scope=scope, key=key).first()) is not None:
            if held.request_hash != request_hash:
                return Response(
                    {"detail": gettext("This Idempotency-Key was used with a different request body.")},
                    status=status.HTTP_422_UNPROCESSABLE_ENTITY,
                )
            if held.status_code is not None:
                return _replay(held)
            if time.monotonic() >= deadline:
                return _in_flight()
            time.sleep(POLL_SECONDS)
        # The holder failed and released the key: claim it again, unless time is up.
        if time.monotonic() >= deadline:
            return _in_flight()


def _in_flight() -> Response:
    return Response(
        {"detail": gettext("A request with this Idempotency-Key is still being processed.")},
        status=status.HTTP_409_CONFLICT,
    )


def _complete(record: IdempotencyRecord, response) -> None:
    if not isinstance(response, Response):
        log.warning(
            "Idempotent view returned a %s, not a DRF Response: its body is not stored", type(response).__name__
        )
    body = _jsonable(getattr(response, "data", None))
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=response.status_code, response_body=body, completed_at=timezone.now()
    )


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def idempotent(view_method):
    """Honour the ``Idempotency-Key`` header on a DRF view method ``(self, request, *args, **kwargs)``.

    Without the header the view just runs. With it: an empty or over-long key is 400; a key
    already used with another body (same user and path) is 422; a repeat gets the stored
    response with ``Idempotent-Replayed: true``; a repeat while the first is still running
    waits up to ``IDEMPOTENCY_WAIT_SECONDS`` for it, then is 409. Responses below 500 (also
    domain and API errors, rendered by the project's exception handler) are stored; a 5xx or
    an unexpected exception releases the key so a retry runs again.

    Put it directly on the method, under ``@action`` and ``@extend_schema``, and never inside
    a transaction: the claim must commit before the work starts.
    """

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > KEY_MAX_LENGTH:
            return Response(
                {HEADER: [gettext("Send between 1 and %(max)d characters.") % {"max": KEY_MAX_LENGTH}]},
                status=status.HTTP_400_BAD_REQUEST,
            )

        user = request.user if getattr(request.user, "is_authenticated", False) else None
        claimed = _claim(
            key=key,
            user=user,
            scope=request_scope(user_id=getattr(user, "pk", None), path=request.path),
            request_hash=request_fingerprint(method=request.method, path=request.path, body=_raw_body(request)),
        )
        if isinstance(claimed, Response):
            return claimed

        try:
            response = view_method(self, request, *args, **kwargs)
        except Exception as exc:
            if not isinstance(exc, DETERMINISTIC_ERRORS):
                _release(claimed)
                raise
            try:
                response = self.handle_exception(exc)  # the project's EXCEPTION_HANDLER
            except Exception:
                _release(claimed)
                raise
            if response.status_code >= 500:
                _release(claimed)
                raise
        if response.status_code >= 500:
            _release(claimed)
            return response
        _complete(claimed, response)
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper


def idempotency_purge(*, now: datetime | None = None, ttl_hours: float | None = None) -> int:
    """Delete the records older than the TTL (``IDEMPOTENCY_TTL_HOURS``, default 24); returns how many."""
    if ttl_hours is None:
        ttl_hours = float(getattr(settings, "IDEMPOTENCY_TTL_HOURS", 24))
    cutoff = (now or timezone.now()) - timedelta(hours=ttl_hours)
    old = IdempotencyRecord.objects.filter(created_at__lt=cutoff)
    deleted = 0
    while pks := list(old.values_list("pk", flat=True)[:PURGE_BATCH]):
        deleted += IdempotencyRecord.objects.filter(pk__in=pks).delete()[0]
    return deleted
