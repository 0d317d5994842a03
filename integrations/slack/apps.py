from django.apps import AppConfig


class SlackConfig(AppConfig):
    """The Slack app: slash commands, buttons, modals, incident channels and timeline sync."""

    name = "integrations.slack"
    label = "slack"
    verbose_name = "Slack"

    def ready(self) -> None:
        from incidents.events import timeline_event_committed
        from integrations.slack import receivers

        timeline_event_committed.connect(
            receivers.queue_timeline_sync, dispatch_uid="slack-timeline-sync"
        )
