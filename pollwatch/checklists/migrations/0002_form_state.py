"""Forms get a state (draft, live, superseded, closed): the active version is live, the
versions before it superseded, and an inactive latest version closed."""

from django.db import migrations, models


def states_from_active(apps, schema_editor):
    Form = apps.get_model("checklists", "Form")
    Form.objects.filter(active=True).update(state="live")
    latest: dict[tuple[int, str], int] = {}
    for election_id, code, version in Form.objects.values_list("election_id", "code", "version"):
        key = (election_id, code)
        latest[key] = max(version, latest.get(key, 0))
    for form in Form.objects.filter(active=False).only("election_id", "code", "version"):
        last = form.version == latest[(form.election_id, form.code)]
        Form.objects.filter(pk=form.pk).update(state="closed" if last else "superseded")


class Migration(migrations.Migration):
    dependencies = [("checklists", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="form",
            name="state",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("live", "Live"),
                    ("superseded", "Superseded"),
                    ("closed", "Closed"),
                ],
                default="live",
                max_length=12,
            ),
        ),
        migrations.RunPython(states_from_active, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="form",
            constraint=models.CheckConstraint(
                condition=models.Q(active=False) | models.Q(state="live"),
                name="form_active_only_when_live",
            ),
        ),
        migrations.AddConstraint(
            model_name="form",
            constraint=models.UniqueConstraint(
                condition=models.Q(active=True),
                fields=("election", "code"),
                name="form_one_live_version",
            ),
        ),
    ]
