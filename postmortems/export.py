"""The Markdown document of a post-mortem (`/postmortems/<id>.md`): header facts, every section,
the curated timeline (hidden rows left out, key rows in bold) and the action items."""

from __future__ import annotations

from postmortems import selectors
from postmortems.models import ActionItem, Postmortem


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _person(user) -> str:
    return "former member" if user is None else user.get_full_name() or user.get_username()


def postmortem_markdown(postmortem: Postmortem) -> str:
    incident = postmortem.incident
    services = ", ".join(s.name for s in incident.services.all()) or "—"
    lines = [
        f"# Post-mortem: #{incident.number} {incident.title}",
        "",
        f"- **Status:** {postmortem.get_status_display()}",
        f"- **Severity:** {incident.severity.name} {incident.severity.label}",
        f"- **Services:** {services}",
        f"- **Owner:** {_person(postmortem.owner) if postmortem.owner_id else '—'}",
        f"- **Declared:** {incident.created_at:%Y-%m-%d %H:%M} UTC",
    ]
    if incident.resolved_at:
        lines.append(f"- **Resolved:** {incident.resolved_at:%Y-%m-%d %H:%M} UTC")
    if postmortem.published_at:
        lines.append(f"- **Published:** {postmortem.published_at:%Y-%m-%d %H:%M} UTC")
    for section in selectors.postmortem_sections(postmortem=postmortem):
        lines += ["", f"## {section.title}", ""]
        if section.body.strip():
            lines.append(section.body.strip())
        if section.key == "timeline":
            lines += ["", "| Time (UTC) | What happened | Who |", "| --- | --- | --- |"]
            for entry in selectors.timeline_entries(postmortem=postmortem, include_hidden=False):
                text = _cell(entry.text)
                lines.append(
                    f"| {entry.occurred_at:%Y-%m-%d %H:%M} "
                    f"| {f'**{text}**' if entry.is_key else text} | {_cell(entry.who)} |"
                )
        if section.key == "action_items":
            items = ActionItem.objects.filter(incident=incident).select_related("owner")
            for item in items.order_by("id"):
                due = f", due {item.due_date:%Y-%m-%d}" if item.due_date else ""
                ticket = f" ({item.ticket_url})" if item.ticket_url else ""
                done = "x" if item.status == "done" else " "
                lines.append(
                    f"- [{done}] {item.title} — {_person(item.owner)}, "
                    f"{item.get_priority_display().lower()} priority, "
                    f"{item.get_status_display().lower()}{due}{ticket}"
                )
    return "\n".join(lines) + "\n"
