"""The standard sections of a post-mortem (from the runbooks' report templates) and the text they
start with: Impact and Detection and response are filled in from the incident's own times."""

from __future__ import annotations

from dataclasses import dataclass

from core.template_helpers import duration
from incidents.models import Incident, TimelineEvent


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    guidance: str


STANDARD_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "summary",
        "Summary",
        "Two or three sentences a newcomer understands: what happened, who was affected, how "
        "it ended.",
    ),
    SectionSpec(
        "timeline",
        "Timeline",
        "The curated timeline below is copied from the incident's record: mark key moments, "
        "hide noise, reword, add what the record missed. Notes about it go here.",
    ),
    SectionSpec(
        "impact",
        "Impact",
        "Who and how many were affected, for how long, business and data impact.",
    ),
    SectionSpec(
        "root_cause",
        "Root cause analysis",
        "Trigger, underlying cause and contributing factors. Ask 'why?' until you reach a "
        "system or process you can change — not a person.",
    ),
    SectionSpec(
        "detection",
        "Detection and response",
        "How we found out and how fast we responded; the times are taken from the incident.",
    ),
    SectionSpec(
        "resolution",
        "Resolution and recovery",
        "What fixed it, what recovery took, what is still temporary.",
    ),
    SectionSpec("went_well", "What went well", "What helped: keep doing it."),
    SectionSpec(
        "lessons",
        "Lessons learned",
        "What we learned about our systems and our process.",
    ),
    SectionSpec(
        "action_items",
        "Action items",
        "Each follow-up is an action item with an owner and a due date (listed below).",
    ),
)

ROOT_CAUSE_SCAFFOLD = """### Trigger

### Underlying cause

### Contributing factors

### 5 whys
1. Why did it happen?
2. Why?
3. Why?
4. Why?
5. Why?
"""


def impact_text(incident: Incident) -> str:
    end = incident.resolved_at or incident.closed_at
    lasted = duration(end - incident.created_at) if end else "still open"
    lines = [
        f"- **Duration:** {lasted} (declared {incident.created_at:%Y-%m-%d %H:%M} UTC"
        + (f", resolved {end:%Y-%m-%d %H:%M} UTC)" if end else ")"),
        "- **Who was affected:** ",
        "- **How many:** ",
        "- **Business impact:** ",
        "- **Data impact:** ",
    ]
    if incident.customer_impact:
        lines.append("")
        lines.append(f"Customer impact noted during the incident: {incident.customer_impact}")
    return "\n".join(lines) + "\n"


def detection_text(incident: Incident) -> str:
    declared = (
        TimelineEvent.objects.filter(incident=incident, kind="incident.declared")
        .values_list("data", flat=True)
        .first()
    ) or {}
    origin = declared.get("origin") or {}
    how = (
        f"an alert from the integration {origin['integration']}"
        if origin.get("integration")
        else "declared by a person"
    )
    rows = [
        ("Detected by", how),
        ("Time to detect", "(when did the problem start, before it was declared?)"),
        ("Time to acknowledge", duration(incident.time_to_acknowledge)),
        ("Time to mitigate", duration(incident.time_to_mitigate)),
        ("Time to resolve", duration(incident.time_to_resolve)),
        ("Reopened", f"{incident.reopen_count} time(s)"),
    ]
    table = ["| Measure | Value |", "| --- | --- |"]
    table += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(table) + "\n"


def initial_body(key: str, incident: Incident) -> str:
    if key == "impact":
        return impact_text(incident)
    if key == "detection":
        return detection_text(incident)
    if key == "root_cause":
        return ROOT_CAUSE_SCAFFOLD
    return ""
