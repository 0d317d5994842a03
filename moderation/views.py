"""Browser screens of moderation: the queues overview, a queue (filters, selection, bulk bar,
CSV upload), the item page (claims it on opening; decisions with keyboard shortcuts), a
platform user's record, active suspensions, the decisions log and the deliveries list.

Seeing needs `moderation.view_item` (Moderator, Admin); every action calls a service, which
checks `moderation.moderate_item` again. Forms post and redirect, so everything works without
JavaScript; static/js/moderation.js adds the shortcuts, the selection count and media reveal.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from core.ui import form_error, render_page, safe_next, screen_response, ui_view
from moderation import pages, selectors
from moderation.forms import BulkForm, CsvForm, DecisionForm, FilterForm, LiftForm
from moderation.models import Action, Category, DeliveryStatus, ItemStatus
from moderation.services import bulk, claims, decisions, deliveries, suspensions

PAGE_SIZE = 50
COUNT_CAP = 1_000
SHORTCUTS = {
    Action.APPROVE: "a",
    Action.REMOVE: "r",
    Action.WARN: "w",
    Action.SUSPEND: "s",
    Action.ESCALATE: "e",
    Action.UPHOLD: "h",
    Action.OVERTURN: "o",
}


def _base(request: HttpRequest) -> dict:
    selectors.require_view(request.user)
    return {"can_moderate": selectors.user_can_moderate(request.user), "now": clock.now()}


@require_GET
@ui_view
def overview(request: HttpRequest) -> HttpResponse:
    context = _base(request)
    context["queues"] = selectors.queue_overview(request.user)
    # The table polls itself every 30 s (htmx): a poll gets the region alone.
    return screen_response(
        request, "moderation/overview.html", context, regions={"moderation_queues"}
    )


@require_POST
@ui_view
def next_item(request: HttpRequest) -> HttpResponse:
    selectors.require_view(request.user)
    slug = request.POST.get("queue", "")
    queues = (
        [selectors.queue_get_for_user(request.user, slug)]
        if slug
        else selectors.queues_for_user(request.user)
    )
    item = claims.item_claim_next(actor=request.user, queue_ids=[q.pk for q in queues])
    if item is None:
        messages.info(request, "Nothing left to review here.")
        return redirect(reverse("moderation:queue", args=[slug]) if slug else "moderation:overview")
    return redirect("moderation:item", item.pk)


def _filters(request: HttpRequest) -> tuple[FilterForm, selectors.ItemFilters]:
    form = FilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise form_error(form)
    data = form.cleaned_data if form.is_bound else {}
    return form, selectors.ItemFilters(
        category=data.get("category") or "",
        content_type=data.get("content_type") or "",
        user_id=data.get("user_id") or "",
        min_reports=data.get("min_reports") or 0,
        breached=bool(data.get("breached")),
    )


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationError("page: Must be a whole number from 1.")
    return int(raw)


@require_GET
@ui_view
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    context = _base(request)
    the_queue = selectors.queue_get_for_user(request.user, slug)
    form, filters = _filters(request)
    matching = selectors.items_matching([the_queue], filters)
    page = _page_number(request)
    # Counting stops at COUNT_CAP: counting 100,000 open items would cost more than the page.
    total = matching[: max(COUNT_CAP, page * PAGE_SIZE) + 1].count()
    context.update(
        queue=the_queue,
        filter_form=form,
        rows=pages.queue_rows(
            selectors.item_page_rows(matching, PAGE_SIZE, (page - 1) * PAGE_SIZE),
            context["now"],
        ),
        total=min(total, COUNT_CAP),
        more=total > COUNT_CAP,
        page=page,
        has_next=total > page * PAGE_SIZE,
        query=request.GET.urlencode(),
        query_without_page="&".join(
            f"{k}={v}" for k, v in request.GET.items() if k != "page" and v
        ),
        policies=selectors.policies(),
        actions=[(a, Action(a).label) for a in decisions.REPORT_ACTIONS if a != Action.ESCALATE],
        categories=Category.choices,
        csv_form=CsvForm(),
    )
    return render_page(request, "moderation/queue.html", context)


def _bulk_ids(request: HttpRequest, form: BulkForm, slug: str) -> list[int]:
    the_queue = selectors.queue_get_for_user(request.user, slug)
    if form.cleaned_data["all_matching"]:
        _, filters = _filters(request)
        ids = list(
            selectors.items_matching([the_queue], filters).values_list("pk", flat=True)[
                : decisions.BULK_LIMIT + 1
            ]
        )
    else:
        ids = list(form.cleaned_data["item"])
    if not ids:
        raise ValidationError("Select at least one item, or everything matching the filter.")
    if len(ids) > decisions.BULK_LIMIT:
        raise ValidationError(
            f"More than {decisions.BULK_LIMIT} items; narrow the filter and apply in parts."
        )
    return ids


@require_POST
@ui_view
def queue_bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """Bulk: first answers a confirmation page saying how many will change; the confirmed
    form applies the decision to all of them in one transaction."""
    context = _base(request)
    if not context["can_moderate"]:
        raise PermissionDeniedError("You do not have permission to decide moderation items.")
    form = BulkForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    ids = _bulk_ids(request, form, slug)
    terms = form.terms()
    if not form.cleaned_data["confirm"]:
        context.update(
            queue=selectors.queue_get_for_user(request.user, slug),
            ids=ids,
            terms=terms,
            action_label=Action(terms.action).label,
            post=request.POST,
            query=request.GET.urlencode(),
        )
        return render_page(request, "moderation/bulk_confirm.html", context)
    result = decisions.items_decide_bulk(
        item_ids=ids, actor=request.user, terms=terms, source="web"
    )
    note = f"{len(result.changed)} items: {Action(terms.action).label.lower()}."
    if result.skipped:
        note += f" {len(result.skipped)} skipped ({result.skipped[0][1]}…)."
    messages.success(request, note)
    query = request.GET.urlencode()
    return redirect(reverse("moderation:queue", args=[slug]) + (f"?{query}" if query else ""))


@require_POST
@ui_view
def queue_csv(request: HttpRequest, slug: str) -> HttpResponse:
    context = _base(request)
    selectors.queue_get_for_user(request.user, slug)
    form = CsvForm(request.POST, request.FILES)
    if not form.is_valid():
        raise form_error(form)
    upload = form.cleaned_data["file"]
    if upload.size > bulk.MAX_CSV_BYTES:
        raise ValidationError("File: larger than 1 MiB; split it.")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("File: not UTF-8 text.") from None
    result = bulk.bulk_csv_apply(text=text, actor=request.user, source="web")
    context.update(queue=selectors.queue_get_for_user(request.user, slug), result=result)
    return render_page(request, "moderation/csv_result.html", context)


@require_GET
@ui_view
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    context = _base(request)
    the_item = selectors.item_get_for_user(request.user, item_id)
    claim_error = ""
    if context["can_moderate"] and the_item.status == ItemStatus.OPEN:
        try:  # opening the item claims it, so two moderators never work on one
            the_item = claims.item_claim(item=the_item, actor=request.user)
        except (ConflictError, PermissionDeniedError) as error:
            claim_error = error.message
        the_item = selectors.item_get_for_user(request.user, item_id)
    record = selectors.user_record(the_item.user)
    allowed = decisions.APPEAL_ACTIONS if the_item.kind == "appeal" else decisions.REPORT_ACTIONS
    context.update(
        item=the_item,
        claim_error=claim_error,
        mine=the_item.claimed_by_id == request.user.pk,
        reports=selectors.item_reports(the_item),
        history=selectors.item_history(the_item),
        decisions=selectors.item_decisions(the_item),
        deliveries=selectors.item_deliveries(the_item),
        record=record,
        other_items=[i for i in record.items if i.pk != the_item.pk][:20],
        actions=[(a, Action(a).label, SHORTCUTS[a]) for a in allowed],
        policies=selectors.policies(),
        breached=the_item.status == ItemStatus.OPEN and the_item.due_at < context["now"],
    )
    return render_page(request, "moderation/item.html", context)


@require_POST
@ui_view
def item_decide(request: HttpRequest, item_id: int) -> HttpResponse:
    the_item = selectors.item_get_for_user(request.user, item_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    decision = decisions.item_decide(
        item=the_item, actor=request.user, terms=form.terms(), source="web"
    )
    messages.success(request, f"Decided: {decision.get_action_display()}.")
    if request.POST.get("then") == "next":
        return next_item(request)
    return redirect("moderation:item", the_item.pk)


@require_POST
@ui_view
def item_release(request: HttpRequest, item_id: int) -> HttpResponse:
    the_item = selectors.item_get_for_user(request.user, item_id)
    claims.item_release(item=the_item, actor=request.user)
    messages.info(request, "Claim released.")
    return redirect("moderation:queue", the_item.queue.slug)


@require_GET
@ui_view
def user_record(request: HttpRequest, external_id: str) -> HttpResponse:
    context = _base(request)
    platform_user = selectors.platform_user_get(request.user, external_id)
    context["record"] = selectors.user_record(platform_user)
    return render_page(request, "moderation/user.html", context)


@require_GET
@ui_view
def suspension_list(request: HttpRequest) -> HttpResponse:
    context = _base(request)
    context["suspensions"] = selectors.suspensions_active(request.user)
    return render_page(request, "moderation/suspensions.html", context)


@require_POST
@ui_view
def suspension_lift(request: HttpRequest, suspension_id: int) -> HttpResponse:
    suspension = selectors.suspension_get_for_user(request.user, suspension_id)
    form = LiftForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    suspensions.suspension_lift(
        suspension=suspension, actor=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(request, f"Suspension of {suspension.user} lifted.")
    return redirect(safe_next(request, reverse("moderation:suspensions")))


@require_GET
@ui_view
def decision_list(request: HttpRequest) -> HttpResponse:
    context = _base(request)
    context["decisions"] = list(selectors.decisions_recent(request.user, limit=200))
    return render_page(request, "moderation/decisions.html", context)


@require_GET
@ui_view
def delivery_list(request: HttpRequest) -> HttpResponse:
    context = _base(request)
    status = request.GET.get("status", "")
    if status and status not in DeliveryStatus.values:
        raise ValidationError(f"status: one of {', '.join(DeliveryStatus.values)}.")
    context.update(
        deliveries=list(selectors.deliveries_recent(request.user, status=status, limit=200)),
        status=status,
        statuses=DeliveryStatus.choices,
    )
    return render_page(request, "moderation/deliveries.html", context)


@require_POST
@ui_view
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.delivery_get_for_user(request.user, delivery_id)
    deliveries.delivery_retry(delivery=delivery, actor=request.user)
    messages.success(request, f"Delivery {delivery.pk} queued again.")
    return redirect(safe_next(request, reverse("moderation:deliveries")))
