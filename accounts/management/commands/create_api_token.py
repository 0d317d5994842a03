from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import api_token_rotate
from core.services import service_account_create


class Command(BaseCommand):
    help = (
        "Issue an API token for a user and print it once. With --service-account, first create "
        "the user as a service account (no password, in the Responder group unless --group). "
        "A user who already has a token gets a new one; the old one stops working."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--service-account",
            action="store_true",
            help="Create the user as a service account (it can only sign in with the token).",
        )
        parser.add_argument(
            "--group",
            default="Responder",
            help="Group of a new service account (default: Responder).",
        )

    def handle(self, *args, username: str, service_account: bool, group: str, **options) -> None:
        user_model = get_user_model()
        if service_account:
            try:
                user = service_account_create(username=username, group_name=group)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        else:
            user = user_model.objects.filter(username=username).first()
            if user is None:
                raise CommandError(
                    f"There is no user named {username!r}. Add --service-account to create one."
                )
            if not user.is_active:
                raise CommandError(f"{username!r} is not active; activate the account first.")
        issued = api_token_rotate(user)
        self.stdout.write(issued.key)
        self.stderr.write(
            f"API token for {username}. It is shown once (only a hash is stored); send it as "
            f"'Authorization: Token <key>'. Any previous token of this user no longer works."
        )
