"""Edits made one row at a time (admin, shell) bump the catalog version.

Bulk writes in services send no signals; those services bump it once themselves.
"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from courses.models import Course, CourseLiteracy, CourseSkill, Provider


@receiver([post_save, post_delete], sender=Course)
@receiver([post_save, post_delete], sender=CourseSkill)
@receiver([post_save, post_delete], sender=CourseLiteracy)
@receiver([post_save, post_delete], sender=Provider)
@receiver(m2m_changed, sender=Course.prerequisites.through)
def catalog_changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loaddata
    if kwargs.get("action") and not str(kwargs["action"]).startswith("post_"):
        return
    from courses.services import catalog_version_bump

    catalog_version_bump()
