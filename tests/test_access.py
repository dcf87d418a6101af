"""No API endpoint shows an organization admin the people of another organization."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from learners.models import Membership
from learners.services import track_create
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _api_paths(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _api_paths(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def test_no_endpoint_lists_people_of_another_organization(standard):
    from courses.services import catalog_import
    from courses.tests.factories import catalog_json, course_record

    catalog_import(data=catalog_json([course_record(1)]), filename="c.json")
    from courses.models import Course

    mine, theirs = OrganizationFactory.create(), OrganizationFactory.create()
    admin = MembershipFactory.create(organization=mine, kind=Membership.Kind.ADMIN).user
    outsider = LearnerFactory.create(user__username="outsider-person")
    MembershipFactory.create(user=outsider.user, organization=theirs)
    track = track_create(organization=theirs, name="their track", courses=[(Course.objects.get(), 10, True)])
    client = APIClient()
    client.force_authenticate(admin)
    substitutions = {"org_id": theirs.pk, "track_id": track.pk, "pk": outsider.pk, "code": "DS_PRO"}
    checked = 0
    for route in sorted(set(_api_paths(get_resolver().url_patterns))):
        if not route.startswith("api/"):
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(substitutions.get(m.group(1), 1)), route)
        response = client.get(path)
        body = response.content.decode("utf-8", "replace")
        assert "outsider-person" not in body, path
        assert str(outsider.public_id) not in body, path
        checked += 1
    assert checked >= 30
