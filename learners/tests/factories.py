import factory
from django.contrib.auth.models import User

from learners.models import LearnerProfile, Membership, Organization


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"株式会社サンプル{n}")
    industry = "E"
    prefecture = "13"
    size_band = "101-300"


class LearnerFactory(factory.django.DjangoModelFactory[LearnerProfile]):
    class Meta:
        model = LearnerProfile

    user = factory.SubFactory(UserFactory)
    prefecture = "27"
    industry = "G"


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    kind = Membership.Kind.EMPLOYEE
