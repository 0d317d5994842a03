"""Browser views of post-mortems and action items: parse, call one service or selector, answer.

The editor's regions: each section (`section_<key>`, the partial postmortems/section.html), the
curated timeline (`pm_timeline`) and the action items (`pm_actions`). Workflow buttons (submit,
review, publish, reopen) post plain forms and redirect back, with or without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from core import clock
from core.errors import PermissionDeniedError
from core.ui import (
    form_error,
    render_page,
    render_region,
    render_to_string,
    safe_next,
    screen_response,
    ui_view,
    with_event,
)
from incidents import selectors as incident_selectors
from incidents.models import Source
from incidents.pages import incident_changed_response
from postmortems import selectors, services
from postmortems.export import postmortem_markdown
from postmortems.forms import (
    ActionItemForm,
    ActionItemStatusForm,
    CommentForm,
    OwnerForm,
    ReopenForm,
    ReviewForm,
    SectionForm,
    SubmitForm,
    TimelineAddForm,
    TimelineEntryForm,
    action_item_filters,
    filter_choices,
    postmortem_filters,
)
from postmortems.models import ActionItemStatus
from postmortems.pages import PostmortemPage, due_text, person, section_view
from postmortems.rendering import markdown_to_html

DETAIL = "postmortems/detail.html"
PAGE_SIZE = 50


def _page(request: HttpRequest, pk: int, **kwargs) -> PostmortemPage:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    return PostmortemPage(request=request, postmortem=postmortem, **kwargs)


def _back(request: HttpRequest, pk: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(safe_next(request, default=f"/postmortems/{pk}/"))


def _query(request: HttpRequest) -> str:
    """The filters of the query string, without the page (the pager adds its own)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- browse ---------------------------------------------------------------------------------------


@require_GET
@ui_view
def postmortem_list(request: HttpRequest) -> HttpResponse:
    filters = postmortem_filters(request.GET)
    rows = selectors.postmortem_list(user=request.user, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    context = {
        "page_obj": page,
        "rows": [(pm, due_text(pm, now), person(pm.owner) if pm.owner_id else "—") for pm in page],
        "filters": filters,
        "choices": filter_choices(),
        "query": _query(request),
    }
    return screen_response(request, "postmortems/list.html", context, regions={"pm_results"})


@require_GET
@ui_view
def action_item_list(request: HttpRequest) -> HttpResponse:
    filters = action_item_filters(request.GET, request.user)
    rows = selectors.action_item_list(user=request.user, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "rows": [(item, person(item.owner)) for item in page],
        "filters": filters,
        "choices": filter_choices(),
        "query": _query(request),
        "today": clock.now().date(),
        "can_write": selectors.user_can_write_action_items(request.user),
        "item_statuses": ActionItemStatus.choices,
    }
    return screen_response(request, "postmortems/actions.html", context, regions={"item_results"})


# --- one post-mortem ------------------------------------------------------------------------------


@require_GET
@ui_view
def postmortem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page(request, pk)
    return screen_response(request, DETAIL, page.context(), regions={"pm_timeline", "pm_actions"})


@require_GET
@ui_view
def postmortem_markdown_download(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    response = HttpResponse(
        postmortem_markdown(postmortem), content_type="text/markdown; charset=utf-8"
    )
    name = f"postmortem-incident-{postmortem.incident.number}.md"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@ui_view
def postmortem_print(request: HttpRequest, pk: int) -> HttpResponse:
    return render_page(request, "postmortems/print.html", _page(request, pk).context())


def _section_response(request: HttpRequest, page: PostmortemPage, key: str) -> HttpResponse:
    view = section_view(selectors.section_get(postmortem=page.postmortem, key=key))
    html = render_to_string(request, "postmortems/section.html", {"page": page, "view": view})
    return HttpResponse(html)


@require_POST
@ui_view
def section_save(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    page = _page(request, pk, saved_key=key)
    form = SectionForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    section = selectors.section_get(postmortem=page.postmortem, key=key)
    services.section_save(
        section=section,
        actor=request.user,
        body=form.cleaned_data["body"],
        base_version=form.cleaned_data["base_version"],
    )
    if not request.htmx:
        return _back(request, pk, f"Saved \u201c{section.title}\u201d.")
    return _section_response(request, page, key)


@require_POST
@ui_view
def section_preview(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    selectors.postmortem_get_for_user(user=request.user, pk=pk)
    html = render_to_string(
        request,
        "postmortems/preview.html",
        {"html": markdown_to_html(request.POST.get("body", ""))},
    )
    return HttpResponse(html)


@require_POST
@ui_view
def section_comment(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    page = _page(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    section = selectors.section_get(postmortem=page.postmortem, key=key)
    services.section_comment_add(
        section=section, actor=request.user, body=form.cleaned_data["body"]
    )
    if not request.htmx:
        return _back(request, pk, "Comment added.")
    return _section_response(request, page, key)


# --- the curated timeline -------------------------------------------------------------------------


def _timeline_response(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.htmx:
        return _back(request, pk, "Timeline updated.")
    return render_region(request, DETAIL, "pm_timeline", _page(request, pk).context())


@require_POST
@ui_view
def timeline_entry_update(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    entry = selectors.timeline_entry_get(postmortem=postmortem, pk=entry_pk)
    form = TimelineEntryForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    data = form.cleaned_data
    services.timeline_entry_update(
        entry=entry,
        actor=request.user,
        text=data["text"] if "text" in request.POST else None,
        is_key=data["is_key"],
        hidden=data["hidden"],
    )
    return _timeline_response(request, pk)


@require_POST
@ui_view
def timeline_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    form = TimelineAddForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.timeline_entry_add(postmortem=postmortem, actor=request.user, **form.cleaned_data)
    return _timeline_response(request, pk)


@require_POST
@ui_view
def timeline_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    services.postmortem_timeline_refresh(postmortem=postmortem, actor=request.user)
    return _timeline_response(request, pk)


# --- workflow -------------------------------------------------------------------------------------


@require_POST
@ui_view
def postmortem_submit(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.postmortem_submit(
        postmortem=postmortem,
        actor=request.user,
        source=Source.WEB,
        reviewers=form.cleaned_data["reviewers"],
    )
    return _back(request, pk, "Sent for review.")


@require_POST
@ui_view
def postmortem_review(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    approve = form.cleaned_data["decision"] == "approve"
    services.postmortem_review_decide(
        postmortem=postmortem,
        actor=request.user,
        source=Source.WEB,
        approve=approve,
        note=form.cleaned_data["note"],
    )
    return _back(request, pk, "Approved." if approve else "Changes requested.")


@require_POST
@ui_view
def postmortem_publish(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    services.postmortem_publish(postmortem=postmortem, actor=request.user, source=Source.WEB)
    return _back(request, pk, "Published; the incident is closed.")


@require_POST
@ui_view
def postmortem_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.postmortem_reopen(
        postmortem=postmortem,
        actor=request.user,
        source=Source.WEB,
        reason=form.cleaned_data["reason"],
    )
    return _back(request, pk, "Reopened for editing.")


@require_POST
@ui_view
def postmortem_owner(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    form = OwnerForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.postmortem_set_owner(
        postmortem=postmortem, actor=request.user, owner=form.cleaned_data["owner"]
    )
    return _back(request, pk, "Owner changed.")


# --- starting one, action items -------------------------------------------------------------------


@require_POST
@ui_view
def postmortem_start(request: HttpRequest, number: int) -> HttpResponse:
    """The incident page's "Start post-mortem"; opens the editor."""
    incident = incident_selectors.incident_get_for_user(user=request.user, number=number)
    postmortem = services.postmortem_create(
        incident=incident, actor=request.user, source=Source.WEB
    )
    target = f"/postmortems/{postmortem.pk}/"
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def _item_form(request: HttpRequest) -> dict:
    form = ActionItemForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    return form.cleaned_data


@require_POST
@ui_view
def incident_follow_up(request: HttpRequest, number: int) -> HttpResponse:
    """A follow-up (action item) straight from the incident page's post-mortem panel."""
    incident = incident_selectors.incident_get_for_user(user=request.user, number=number)
    services.action_item_create(incident=incident, actor=request.user, **_item_form(request))
    if not request.htmx:
        messages.success(request, "Follow-up added.")
    return incident_changed_response(request, number, "incident_postmortem")


@require_POST
@ui_view
def postmortem_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
    services.action_item_create(
        incident=postmortem.incident,
        postmortem=postmortem,
        actor=request.user,
        **_item_form(request),
    )
    if not request.htmx:
        return _back(request, pk, "Action item added.")
    return render_region(request, DETAIL, "pm_actions", _page(request, pk).context())


@require_POST
@ui_view
def action_item_status(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = selectors.action_item_get_for_user(user=request.user, pk=item_pk)
    form = ActionItemStatusForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    if not selectors.user_can_write_action_items(request.user):
        raise PermissionDeniedError("You do not have permission to change action items.")
    item = services.action_item_update(
        item=item, actor=request.user, status=form.cleaned_data["status"]
    )
    if not request.htmx:
        messages.success(
            request, f"\u201c{item.title}\u201d is {item.get_status_display().lower()}."
        )
        return redirect(safe_next(request, default="/postmortems/actions/"))
    html = render_to_string(
        request,
        "postmortems/item_status.html",
        {
            "item": item,
            "can_write": True,
            "next": safe_next(request, default=""),
            "item_statuses": ActionItemStatus.choices,
        },
    )
    return with_event(HttpResponse(html), "action-item-changed", item=item.pk)
