"""Record today's inferred sample design for every election that has deployments.

Until now the quick count read the sample off the deployments as a
stratified SRS, with strata from the stations file, else the areas at
``Election.sample_strata_level``, else each station's own area. This writes
that down as a SampleDesign marked "inferred" (not confirmed), so the
quick-count page shows it until a person confirms or replaces it. The rule is
copied here, frozen, rather than imported from the app.
"""

from django.db import migrations


def strata_rule(has_station_strata: bool, level: int | None) -> str:
    if has_station_strata:
        return "the stations file's stratum column"
    if level is not None:
        return f"the areas at level {level} of the geography (the election's sample strata level)"
    return "unknown: each station's own (lowest) area stands in for its stratum"


def record(apps, schema_editor):
    Election = apps.get_model("elections", "Election")
    PollingStation = apps.get_model("elections", "PollingStation")
    Deployment = apps.get_model("observers", "Deployment")
    SampleDesign = apps.get_model("results", "SampleDesign")
    for election in Election.objects.all():
        if not Deployment.objects.filter(membership__election=election).exists():
            continue
        has_strata = PollingStation.objects.filter(election=election).exclude(stratum="").exists()
        SampleDesign.objects.get_or_create(
            election=election,
            defaults={
                "method": "srs",
                "source": "inferred",
                "strata_rule": strata_rule(has_strata, election.sample_strata_level),
            },
        )


def forget(apps, schema_editor):
    apps.get_model("results", "SampleDesign").objects.filter(source="inferred").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0002_sample_design"),
        ("observers", "0001_initial"),
    ]

    operations = [migrations.RunPython(record, forget)]
