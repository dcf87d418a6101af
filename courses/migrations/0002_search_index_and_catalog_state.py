"""Trigram index for substring search on PostgreSQL (Japanese has no word breaks),
and the single CatalogState row."""

from django.db import migrations


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: LIKE '%term%' without an index is fine at sample size
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS courses_course_search_trgm "
        "ON courses_course USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS courses_course_search_trgm")


def create_catalog_state(apps, schema_editor):
    apps.get_model("courses", "CatalogState").objects.get_or_create(pk=1, defaults={"version": 0})


def delete_catalog_state(apps, schema_editor):
    apps.get_model("courses", "CatalogState").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_catalog")]

    operations = [
        migrations.RunPython(create_trigram_index, drop_trigram_index),
        migrations.RunPython(create_catalog_state, delete_catalog_state),
    ]
