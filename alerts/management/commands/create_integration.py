from django.core.management.base import BaseCommand, CommandError

from alerts.models import IntegrationKind
from alerts.selectors import integration_intake_url
from alerts.services import integration_create
from core.errors import DomainError
from incidents.models import Service, Severity


def intake_url(kind: str, key: str) -> str:
    return integration_intake_url(kind=kind, key=key)


class Command(BaseCommand):
    help = "Create an alert integration for a service and print its intake URL and key (once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", required=True, choices=IntegrationKind.values)
        parser.add_argument("--service", required=True, help="service slug")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--create-service", action="store_true", help="create the service if it does not exist"
        )
        parser.add_argument("--default-severity", type=int, default=3, choices=[1, 2, 3, 4])

    def handle(self, *args, kind: str, service: str, name: str, **options) -> None:
        found = Service.objects.filter(slug=service).first()
        if found is None and options["create_service"]:
            found = Service.objects.create(name=service, slug=service)
        if found is None:
            raise CommandError(f"No service with slug {service!r}; add --create-service.")
        try:
            integration, key = integration_create(
                service=found,
                kind=kind,
                name=name,
                actor=None,
                default_severity=Severity.objects.get(rank=options["default_severity"]),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Created {integration} for service {found.slug}.")
        self.stdout.write(f"Intake URL: {intake_url(kind, key)}")
        if kind == "pagerduty":
            self.stdout.write(f"Routing key: {key}")
        self.stdout.write("The key is shown once; rotate it to get a new one.")
