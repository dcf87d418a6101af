import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from learners.models import Enrollment, LearnerProfile, Organization, Track
from portal.demo import demo_world_seed
from skills.selectors import StandardNotLoaded

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "dxpathways-demo"  # noqa: S105 - demo account on the embedded (DEBUG) setup only


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent). Runs only with DJANGO_DEBUG=true unless --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="also when DEBUG is off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            self.stdout.write("DEBUG is off: no demo accounts created.")
            return
        password = os.environ.get("DEMO_ADMIN_PASSWORD", DEMO_PASSWORD)
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.org"}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        state = "created" if created else "already present"
        self.stdout.write(self.style.SUCCESS(f"Demo staff account {state}."))
        try:
            accounts = demo_world_seed(password=password)
        except StandardNotLoaded:
            self.stdout.write("No standard loaded: only the staff account was created (run load_dss first).")
            self.stdout.write(f"  Log in at /admin/ as '{DEMO_ADMIN}' with password '{password}'.")
            return
        self.stdout.write(
            f"Demo world: {Organization.objects.count()} organizations, {LearnerProfile.objects.count()} learners, "
            f"{Enrollment.objects.count()} enrollments, {Track.objects.count()} tracks."
        )
        self.stdout.write(f"  Log in at /admin/ as '{DEMO_ADMIN}' with password '{password}' (staff).")
        self.stdout.write("  Log in at /accounts/login/ with the same password as:")
        self.stdout.write(f"    learners: {', '.join(accounts.learners)} (… learner01 to learner60)")
        self.stdout.write(f"    beginners, one per persona type: {', '.join(accounts.beginners)}")
        self.stdout.write(f"    organization admins: {', '.join(accounts.org_admins)}")
        self.stdout.write(f"    catalog provider: {accounts.provider}; ministry analyst: {accounts.ministry}")
