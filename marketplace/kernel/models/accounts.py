"""The custom user: one role per user (client or freelancer; staff for mediators) and a time zone."""

import zoneinfo

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ..compiled import CompiledQuery
from ..db_privileges import KEPT


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Role(models.TextChoices):
    CLIENT = "client", _("Client")
    FREELANCER = "freelancer", _("Freelancer")
    STAFF = "staff", _("Platform staff")


class EmailFrequency(models.TextChoices):
    """How often a person wants notices by email. Deadline reminders and case decisions are
    always sent at once: missing one can cost money."""

    EACH = "each", _("Every notice, as it happens")
    DAILY = "daily", _("A daily digest of notices that can wait")


class User(AbstractUser):
    """A person on the marketplace.

    Clients hire, freelancers work; mediators and arbitrators are staff users in the
    `Mediators` and `Arbitrators` groups. Deadlines are stored in UTC and shown in `timezone`.
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CLIENT)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    headline = models.CharField(_("headline"), max_length=120, blank=True)
    bio = models.TextField(_("about"), blank=True)
    skills = models.CharField(
        _("skills"), max_length=300, blank=True, help_text=_("Comma-separated, e.g. Django, SQL")
    )
    email_frequency = models.CharField(
        _("email notices"), max_length=8, choices=EmailFrequency.choices,
        default=EmailFrequency.EACH, db_default=EmailFrequency.EACH,
        help_text=_("Deadline reminders and case decisions are always emailed at once."),
    )
    # Set when the user closes the account: personal data is pseudonymised, the record stays.
    closed_at = models.DateTimeField(null=True, blank=True)
    # Lower-case name, headline, skills and bio, for the directory's search (a trigram index
    # on PostgreSQL makes "contains" fast); kept in step by save().
    search_text = models.TextField(blank=True, editable=False)
    # The user's reputation score, copied here by the database in the statement that writes
    # it (triggers installed by the reputation app: reputation.ranks), for the directory to
    # rank freelancers without joining each to its score. Never written by our code.
    ranked_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["username"]

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        return " ".join([self.username, self.first_name, self.last_name, self.headline,
                         self.skills, self.bio]).lower()

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_freelancer(self) -> bool:
        return self.role == Role.FREELANCER

    @cached_property
    def group_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def is_mediator(self) -> bool:
        return self.is_staff and self.is_active and "Mediators" in self.group_names

    @property
    def is_arbitrator(self) -> bool:
        return self.is_staff and self.is_active and "Arbitrators" in self.group_names

    @property
    def is_case_worker(self) -> bool:
        """A mediator or an arbitrator. What they may read is decided case by case (need to
        know: the cases in their queue or held by them, `disputes.access`), not by this."""
        return self.is_mediator or self.is_arbitrator

    @cached_property
    def has_verified_email(self) -> bool:
        # Asked on every dashboard and offer page: a read compiled once (kernel.compiled).
        return bool(_VERIFIED_EMAIL_OF.rows(user_id=self.pk))

    def verified_email_read(self):
        """The read behind `has_verified_email`, for a page to send with its own reads
        (kernel.compiled.together), then `keep_verified_email` with its rows."""
        return _VERIFIED_EMAIL_OF.read(user_id=self.pk)

    def keep_verified_email(self, rows: list) -> None:
        self.__dict__["has_verified_email"] = bool(rows)  # as the cached property keeps it

    @property
    def skills_list(self) -> list[str]:
        return [skill.strip() for skill in self.skills.split(",") if skill.strip()]

    # The fields `display_name` (and a case worker's badge) read: pages that only show
    # names load just these.
    NAME_FIELDS = ("username", "first_name", "last_name", "closed_at", "role")

    @classmethod
    def name_fields(cls, via: str) -> list[str]:
        """NAME_FIELDS through a relation, for `.only()`: name_fields("author")."""
        return [f"{via}__{field}" for field in cls.NAME_FIELDS]

    @classmethod
    def with_names(cls, queryset, *relations: str):
        """`queryset.select_related(*relations)`, loading of those users only their names.
        Pages list many rows with who wrote them, and whole user rows (password hashes,
        profiles) cost more to read than the rows themselves."""
        rest = [field.name for field in cls._meta.concrete_fields
                if not field.primary_key and field.name not in cls.NAME_FIELDS]
        return queryset.select_related(*relations).defer(
            *(f"{via}__{name}" for via in relations for name in rest))

    @property
    def display_name(self) -> str:
        return self.name_from(self.pk, self.username, self.first_name, self.last_name,
                              self.closed_at)

    @staticmethod
    def name_from(pk, username, first_name, last_name, closed_at) -> str:
        """What `display_name` says, from the name fields alone (rows read with `values()`)."""
        if pk is None:
            return ""
        if closed_at:
            return f"Closed account #{pk}"
        return f"{first_name} {last_name}".strip() or username

    @classmethod
    def name_values(cls, via: str) -> list[str]:
        """The `values()` fields `name_in` reads, through a relation: name_values("author")."""
        return [f"{via}_id", *(f"{via}__{f}" for f in ("username", "first_name", "last_name",
                                                       "closed_at"))]

    @classmethod
    def name_in(cls, row: dict, via: str) -> str:
        """The display name of the user a `values()` row points to through `via`."""
        return cls.name_from(row[f"{via}_id"], row[f"{via}__username"],
                             row[f"{via}__first_name"], row[f"{via}__last_name"],
                             row[f"{via}__closed_at"])


def _verified_email_of(user_id: int):
    return EmailAddress.objects.filter(user_id=user_id, verified=True).values("id")[:1]


_VERIFIED_EMAIL_OF = CompiledQuery(_verified_email_of)
