"""An index for the search index's state query (count and last change of the published courses), and drop
the trigram index on `search_text` (migration 0002): no query reads it since search moved to the
in-memory word index (docs/search.md), and keeping it up to date was most of a catalog import's time on
PostgreSQL (a GIN entry per trigram of every course's text; docs/performance.md); and drop `search_text`
itself, which only that index read (its NFKC normalisation was a large share of an import's time)."""

from django.db import migrations, models


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS courses_course_search_trgm")


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS courses_course_search_trgm ON courses_course USING gin (search_text gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("courses", "0006_catalog_import_jobs")]

    operations = [
        migrations.RunPython(drop_trigram_index, create_trigram_index),
        migrations.RemoveField(model_name="course", name="search_text"),
        migrations.AddIndex(
            model_name="course",
            index=models.Index(fields=["status", "updated_at"], name="courses_status_updated"),
        ),
    ]
