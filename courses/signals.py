"""Edits made one row at a time (admin, shell) bump the catalog version.

Bulk writes in services send no signals; those services bump it once themselves.
Every bump sends `catalog_version_changed` (other apps react to catalog changes through it).
"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from courses.models import Course, CourseLiteracy, CourseSkill, Provider

# Sent inside the transaction that changed the catalog, with `version` (the new catalog version).
catalog_version_changed = Signal()
# Sent inside the transaction of a staff review (accept, reject, level), with `tag_ids`.
course_tags_reviewed = Signal()
# Sent inside the transaction of a catalog import, with `course_ids`: the new or changed courses that
# came without skill tags (the recommender infers their tags after the commit).
courses_imported = Signal()


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
