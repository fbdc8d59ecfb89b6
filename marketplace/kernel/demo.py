"""Demo data for `manage.py seed_demo`: users first, then each app's believable story."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from marketplace.kernel.mfa import enrol_totp
from marketplace.kernel.models import Role, User

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 (documented demo login, never in production)

PEOPLE = [
    # username, first, last, role, timezone, headline, skills
    ("alice", "Alice", "Anders", Role.CLIENT, "Europe/Berlin", "", ""),
    ("carol", "Carol", "Chen", Role.CLIENT, "America/New_York", "", ""),
    ("frank", "Frank", "Fischer", Role.CLIENT, "Europe/London", "", ""),
    ("bob", "Bob", "Baker", Role.FREELANCER, "Europe/Lisbon",
     "Django developer, 8 years", "Python, Django, PostgreSQL, APIs"),
    ("dave", "Dave", "Dunn", Role.FREELANCER, "Asia/Kolkata",
     "Front-end and design systems", "JavaScript, CSS, Bootstrap, Accessibility"),
    ("erin", "Erin", "Eze", Role.FREELANCER, "Africa/Lagos",
     "Technical writer", "Documentation, Markdown, API docs"),
]
STAFF = [
    ("maya", "Maya", "Mendes", "Mediators"),
    ("arthur", "Arthur", "Arnold", "Arbitrators"),
]
TWO_FACTOR_STAFF = ["maya", "arthur", "admin"]


def _verified(user: User) -> User:
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def create_people() -> dict[str, User]:
    people: dict[str, User] = {}
    for username, first, last, role, tz, headline, skills in PEOPLE:
        user = User.objects.create_user(
            username=username, email=f"{username}@example.com", password=DEMO_PASSWORD,
            first_name=first, last_name=last, role=role, timezone=tz, headline=headline,
            skills=skills,
        )
        people[username] = _verified(user)
    for username, first, last, group in STAFF:
        user = User.objects.create_user(
            username=username, email=f"{username}@example.com", password=DEMO_PASSWORD,
            first_name=first, last_name=last, role=Role.STAFF, is_staff=True,
        )
        user.groups.add(Group.objects.get(name=group))
        people[username] = _verified(user)
    admin = User.objects.create_superuser(
        username="admin", email="admin@example.com", password=DEMO_PASSWORD, role=Role.STAFF
    )
    people["admin"] = _verified(admin)
    # Staff sign in with a second factor: the demo's staff are enrolled already, and
    # `manage.py demo_totp` prints their current codes (DEBUG only).
    for username in TWO_FACTOR_STAFF:
        enrol_totp(people[username])
    return people
