from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The in-app inbox: a notification channel that keeps pages in Firebell itself (the bell in
    the top bar, /inbox/), so paging works on a fresh install with no mail server."""

    name = "integrations.inbox"
    label = "inbox"
    verbose_name = "Inbox"

    def ready(self) -> None:
        from core.ui import TopbarItem, topbar_items
        from integrations.inbox import pages

        topbar_items.register(
            TopbarItem(
                "inbox_bell",
                "inbox/topbar_bell.html",
                context=pages.bell_context,
                lazy=True,  # one query, but no page should wait for it
                order=5,
            )
        )
