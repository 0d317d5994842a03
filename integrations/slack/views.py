"""Slack's three request URLs, and the page that links a Slack user to a Firebell account.

Every Slack request is verified with the signing secret first (401 and nothing done otherwise),
stored and queued, and answered at once: Slack gives up after 3 seconds. Nothing here calls
Slack, so nothing here waits for it.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from slack_sdk.signature import SignatureVerifier

from core.ui import render_page
from integrations.slack import commands, inbound, users
from integrations.slack.models import InboundKind, SlackUserLink

MAX_BODY_BYTES = 256 * 1024


def _verified(request: HttpRequest) -> bool:
    if not settings.SLACK_SIGNING_SECRET:
        return False
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return False
    if length > MAX_BODY_BYTES:
        return False
    try:
        verifier = SignatureVerifier(settings.SLACK_SIGNING_SECRET)
        return verifier.is_valid_request(request.body, dict(request.headers.items()))
    except (ValueError, TypeError, UnicodeDecodeError):
        return False  # a timestamp that is not a number, a body that is not UTF-8


def _unauthorized() -> JsonResponse:
    return JsonResponse({"ok": False, "error": "invalid_signature"}, status=401)


def _form(request: HttpRequest) -> dict[str, str]:
    parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def _ephemeral(text: str) -> JsonResponse:
    return JsonResponse({"response_type": "ephemeral", "text": text})


@csrf_exempt
@require_POST
def slack_commands(request: HttpRequest) -> HttpResponse:
    if not _verified(request):
        return _unauthorized()
    form = _form(request)
    try:
        parsed = commands.parse(form.get("text", ""))
    except commands.UsageError as usage:
        return _ephemeral(f":warning: {usage}")
    if parsed.name == "help":
        return _ephemeral(commands.help_reply().text)
    inbound.inbound_store(InboundKind.COMMAND, form)
    return HttpResponse(status=200)  # the answer comes through response_url


@csrf_exempt
@require_POST
def slack_interactions(request: HttpRequest) -> HttpResponse:
    if not _verified(request):
        return _unauthorized()
    try:
        payload = json.loads(_form(request).get("payload") or "")
    except ValueError:
        return JsonResponse({"ok": False, "error": "payload is not JSON"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"ok": False, "error": "payload is not an object"}, status=400)
    if payload.get("type") == "view_submission":
        try:
            errors = inbound.modal_errors(payload)
        except (AttributeError, TypeError):  # a view of the wrong shape
            return JsonResponse({"ok": False, "error": "view is malformed"}, status=400)
        if errors:
            return JsonResponse({"response_action": "errors", "errors": errors})
    if payload.get("type") in {"block_actions", "view_submission"}:
        inbound.inbound_store(InboundKind.INTERACTION, payload)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def slack_events(request: HttpRequest) -> HttpResponse:
    if not _verified(request):
        return _unauthorized()
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"ok": False, "error": "body is not JSON"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"ok": False, "error": "body is not an object"}, status=400)
    if payload.get("type") == "url_verification":
        return JsonResponse({"challenge": str(payload.get("challenge", ""))})
    event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    wanted = event.get("type") == "reaction_added" and event.get("reaction") == "pushpin"
    if payload.get("type") == "event_callback" and wanted:
        event_id = str(payload.get("event_id") or "")[:64] or None
        stored = inbound.inbound_store(InboundKind.EVENT, payload, event_id=event_id)
        if stored is None:
            return JsonResponse({"ok": True, "duplicate": True})
    return JsonResponse({"ok": True})


@login_required
@require_GET
def slack_link(request: HttpRequest) -> HttpResponse:
    """Signed in to Firebell: the code to type in Slack to link your Slack account."""
    linked = SlackUserLink.objects.filter(user=request.user).first()
    context = {
        "code": users.link_code(request.user),
        "command": settings.SLACK_COMMAND,
        "linked": linked,
        "minutes": users.LINK_MAX_AGE_SECONDS // 60,
    }
    return render_page(request, "slack/link.html", context)
