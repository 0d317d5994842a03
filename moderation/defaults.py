"""What a new installation needs for moderation: the Moderator and Moderation intake groups,
category rules (weights, response targets, wave thresholds), the guideline policies, a default
queue. Idempotent; never overwrites what admins changed. (The Trust & Safety service is created
with the first incident moderation opens, not here.)"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.services import ADMIN
from moderation.models import Category, CategoryRule, Policy, Queue

MODERATOR = "Moderator"
INTAKE = "Moderation intake"

# category: (weight, response target minutes, wave threshold, wave window minutes).
# Child safety and violence first; a handful of child-safety reports is already a wave.
DEFAULT_CATEGORY_RULES = {
    Category.CHILD_SAFETY: (100, 15, 3, 10),
    Category.VIOLENCE: (90, 30, 10, 10),
    Category.SELF_HARM: (80, 30, 10, 10),
    Category.HATE: (60, 120, 20, 15),
    Category.HARASSMENT: (50, 240, 20, 15),
    Category.IMPERSONATION: (30, 480, 20, 30),
    Category.COPYRIGHT: (20, 1440, 50, 60),
    Category.SPAM: (10, 1440, 100, 10),
    Category.OTHER: (5, 1440, 50, 30),
}
DEFAULT_POLICIES = [
    ("child-safety", "Child safety"),
    ("violence", "Violence and threats"),
    ("self-harm", "Suicide and self-harm"),
    ("hate", "Hateful conduct"),
    ("harassment", "Harassment and bullying"),
    ("impersonation", "Impersonation"),
    ("copyright", "Intellectual property"),
    ("spam", "Spam and platform manipulation"),
    ("other", "Other community guidelines"),
]
MODERATOR_PERMISSIONS = ["moderate_item", "add_report"]


def defaults_ensure_moderation() -> None:
    with transaction.atomic():
        for category, (weight, target, threshold, window) in DEFAULT_CATEGORY_RULES.items():
            CategoryRule.objects.get_or_create(
                category=category,
                defaults={
                    "weight": weight,
                    "response_target_minutes": target,
                    "wave_threshold": threshold,
                    "wave_window_minutes": window,
                },
            )
        for slug, title in DEFAULT_POLICIES:
            Policy.objects.get_or_create(slug=slug, defaults={"title": title})
        if not Queue.objects.exists():
            Queue.objects.create(
                name="Urgent",
                slug="urgent",
                position=10,
                categories=[Category.CHILD_SAFETY, Category.VIOLENCE, Category.SELF_HARM],
            )
            Queue.objects.create(name="General", slug="general", position=100)
        _groups_grant()


def _groups_grant() -> None:
    """Admin: every moderation permission. Moderator: view everything, act on items, submit
    reports. Moderation intake (the platform's service account): submit reports only.
    Responder and Viewer get nothing: reported content is not theirs to see."""
    permissions = list(Permission.objects.filter(content_type__app_label="moderation"))
    viewing = [p for p in permissions if p.codename.startswith("view_")]
    acting = [p for p in permissions if p.codename in MODERATOR_PERMISSIONS]
    Group.objects.get(name=ADMIN).permissions.add(*permissions)
    moderator, _ = Group.objects.get_or_create(name=MODERATOR)
    moderator.permissions.add(*viewing, *acting)
    intake, _ = Group.objects.get_or_create(name=INTAKE)
    intake.permissions.add(*[p for p in permissions if p.codename == "add_report"])
