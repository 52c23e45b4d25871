"""Escape lone surrogates and NUL that reached stored answers before the intake boundary refused them.

Only SQLite could store them (inside JSON text); PostgreSQL refused them at
insert. Exports and pages that encode the answers as UTF-8 failed on such
rows, so they are rewritten once with the characters as visible escapes, the
same as ``pollwatch.lib.boundary.storable`` would have kept them.
"""

from django.db import migrations

from pollwatch.lib.boundary import storable


def escape_answers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for model_name in ("Submission", "Revision"):
        model = apps.get_model("submissions", model_name)
        # JSON text keeps a surrogate as the escape \udXXX and NUL as \u0000.
        column = f'"{model._meta.db_table}"."answers"'
        suspects = (
            model.objects.extra(where=[f"{column} LIKE '%%\\u%%'"]).order_by().only("pk", "answers")
        )
        for row in suspects.iterator(chunk_size=2000):
            cleaned = storable(row.answers)
            if cleaned != row.answers:
                model.objects.filter(pk=row.pk).update(answers=cleaned)


class Migration(migrations.Migration):
    dependencies = [("submissions", "0002_scoped_idempotency_and_junk")]

    operations = [migrations.RunPython(escape_answers, migrations.RunPython.noop)]
