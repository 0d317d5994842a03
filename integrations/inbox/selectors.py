"""Reads of the inbox: always the signed-in person's own messages."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from core.errors import NotFoundError
from integrations.inbox.models import InboxMessage

LATEST = 50


def inbox_messages(user: AbstractBaseUser, *, limit: int = LATEST) -> list[InboxMessage]:
    """`user`'s newest messages, read or not, with their incident (and its severity)."""
    return list(_own(user).select_related("incident__severity")[:limit])


def inbox_unread(user: AbstractBaseUser, *, limit: int = 5) -> tuple[int, list[InboxMessage]]:
    """How many messages `user` has not read, and the newest `limit` of them."""
    unread = _own(user).filter(read_at__isnull=True)
    newest = list(unread.select_related("incident__severity")[:limit])
    count = len(newest) if len(newest) < limit else unread.count()
    return count, newest


def inbox_message_get(user: AbstractBaseUser, pk: int) -> InboxMessage:
    """One of `user`'s messages; anyone else's is a 404, like one that does not exist."""
    message = _own(user).select_related("incident").filter(pk=pk).first()
    if message is None:
        raise NotFoundError("There is no such message in your inbox.")
    return message


def _own(user: AbstractBaseUser) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(user_id=user.pk)
