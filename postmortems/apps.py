from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"

    def ready(self) -> None:
        from core.services import defaults_register
        from incidents.events import timeline_event_recorded
        from postmortems import receivers
        from postmortems.defaults import defaults_ensure_postmortems

        defaults_register(self, defaults_ensure_postmortems)
        timeline_event_recorded.connect(
            receivers.incident_resolved, dispatch_uid="postmortems-incident-resolved"
        )
