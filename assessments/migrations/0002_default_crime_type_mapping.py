"""The usual correspondence of police.uk crime types to Home Office offence groups.

Officers can change it afterwards; both the older (domestic / non-domestic) and the newer
(residential / non-residential) burglary subgroup names are mapped.
"""

from django.db import migrations

DEFAULTS = [
    ("Bicycle theft", "Theft offences", "Bicycle theft"),
    ("Burglary", "Theft offences", "Residential burglary"),
    ("Burglary", "Theft offences", "Non-residential burglary"),
    ("Burglary", "Theft offences", "Domestic burglary"),
    ("Burglary", "Theft offences", "Non-domestic burglary"),
    ("Criminal damage and arson", "Criminal damage and arson", ""),
    ("Drugs", "Drug offences", ""),
    ("Other crime", "Miscellaneous crimes against society", ""),
    ("Other theft", "Theft offences", "All other theft offences"),
    ("Possession of weapons", "Possession of weapons offences", ""),
    ("Public order", "Public order offences", ""),
    ("Robbery", "Robbery", ""),
    ("Shoplifting", "Theft offences", "Shoplifting"),
    ("Theft from the person", "Theft offences", "Theft from the person"),
    ("Vehicle crime", "Theft offences", "Vehicle offences"),
    ("Violence and sexual offences", "Violence against the person", ""),
    ("Violence and sexual offences", "Sexual offences", ""),
]


def add_defaults(apps, schema_editor):
    Mapping = apps.get_model("assessments", "CrimeTypeMapping")
    for crime_type, group, subgroup in DEFAULTS:
        Mapping.objects.get_or_create(
            crime_type=crime_type, offence_group=group, offence_subgroup=subgroup
        )


def remove_defaults(apps, schema_editor):
    Mapping = apps.get_model("assessments", "CrimeTypeMapping")
    for crime_type, group, subgroup in DEFAULTS:
        Mapping.objects.filter(
            crime_type=crime_type, offence_group=group, offence_subgroup=subgroup
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
