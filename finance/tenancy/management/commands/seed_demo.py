from django.core.management.base import BaseCommand, CommandError
from django.core.exceptions import ValidationError

from finance.tenancy.demo import seed


class Command(BaseCommand):
    help = "Create the demo environments (idempotent); --reset deletes and rebuilds them."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete the demo environments first.")

    def handle(self, *args, reset=False, **options):
        try:
            created = seed(reset=reset, out=self.stdout.write)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo environments ready ({created} objects created)."))
        else:
            self.stdout.write("Demo environments already up to date; nothing changed.")
