"""Django's model permissions, read in one query instead of two.

Every page and every poll asks `has_perm` at least once. Django's ModelBackend reads the user's
own permissions and their groups' permissions in two joined queries; on the incident page those
two cost more than any other query but the timeline. The rules stay Django's: superusers hold
every permission, inactive users none, and the set is kept on the user object for the request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db.models import Q


class SingleQueryModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj: AbstractBaseUser, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _permission_names(user_obj)
        return user_obj._perm_cache


def _permission_names(user: Any) -> set[str]:
    permissions = Permission.objects.all()
    if not user.is_superuser:
        granted = user.user_permissions.through.objects.filter(user=user).values("permission_id")
        by_group = Group.permissions.through.objects.filter(group__user=user).values(
            "permission_id"
        )
        permissions = permissions.filter(Q(pk__in=granted) | Q(pk__in=by_group))
    rows = permissions.values_list("content_type__app_label", "codename")
    return {f"{app_label}.{codename}" for app_label, codename in rows}
