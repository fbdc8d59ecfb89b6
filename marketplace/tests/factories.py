"""Factories for people: clients, freelancers, case workers, with verified email by default."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from marketplace.kernel.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.CLIENT
    password = factory.django.Password("pw-for-tests-1")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Verified email unless `verified=False` is passed."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class ClientFactory(UserFactory):
    username = factory.Sequence(lambda n: f"client{n}")
    role = Role.CLIENT


class FreelancerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"freelancer{n}")
    role = Role.FREELANCER
    skills = "Python, Django"


class StaffFactory(UserFactory):
    role = Role.STAFF
    is_staff = True


class MediatorFactory(StaffFactory):
    username = factory.Sequence(lambda n: f"mediator{n}")

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Mediators"))


class ArbitratorFactory(StaffFactory):
    username = factory.Sequence(lambda n: f"arbitrator{n}")

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Arbitrators"))


class SuperuserFactory(StaffFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True


class LeadMediatorFactory(MediatorFactory):
    """A mediator who also leads: may reassign cases other mediators hold."""

    username = factory.Sequence(lambda n: f"leadmediator{n}")

    @factory.post_generation
    def lead(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Lead mediators"))


class LeadArbitratorFactory(ArbitratorFactory):
    """An arbitrator who also leads: may reassign cases other arbitrators hold."""

    username = factory.Sequence(lambda n: f"leadarbitrator{n}")

    @factory.post_generation
    def lead(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Lead arbitrators"))
