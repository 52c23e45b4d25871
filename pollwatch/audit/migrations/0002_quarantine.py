from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="quarantined_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="quarantined_reason",
            field=models.TextField(
                blank=True,
                help_text="set when the sealer could not chain the event; the row stays, out of the chain",
            ),
        ),
    ]
