from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        from incidents.events import timeline_event_committed, timeline_event_recorded
        from oncall import receivers

        timeline_event_recorded.connect(
            receivers.start_or_stop_escalation, dispatch_uid="oncall-escalation"
        )
        timeline_event_committed.connect(receivers.queue_provider_sync, dispatch_uid="oncall-sync")
