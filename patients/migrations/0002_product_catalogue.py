"""Seed the CAR-T product catalogue from the clinical reference §4 (confirm against labels)."""

from django.db import migrations

PRODUCTS = [
    # code, brand, generic, short, target, manufacturer
    ("relma-cel", "Carteyva", "relmacabtagene autoleucel", "relma-cel", "CD19", "JW Therapeutics"),
    ("axi-cel", "Yescarta", "axicabtagene ciloleucel", "axi-cel", "CD19", "Kite Pharma"),
    ("tisa-cel", "Kymriah", "tisagenlecleucel", "tisa-cel", "CD19", "Novartis"),
    ("liso-cel", "Breyanzi", "lisocabtagene maraleucel", "liso-cel", "CD19", "Bristol Myers Squibb"),
    ("brexu-cel", "Tecartus", "brexucabtagene autoleucel", "brexu-cel", "CD19", "Kite Pharma"),
    ("ide-cel", "Abecma", "idecabtagene vicleucel", "ide-cel", "BCMA", "Bristol Myers Squibb"),
    ("cilta-cel", "Carvykti", "ciltacabtagene autoleucel", "cilta-cel", "BCMA", "Janssen / Legend Biotech"),
    ("obe-cel", "Aucatzyl", "obecabtagene autoleucel", "obe-cel", "CD19", "Autolus"),
]


def seed(apps, schema_editor):
    Product = apps.get_model("patients", "CarTProduct")
    for code, name, generic, short, target, maker in PRODUCTS:
        Product.objects.update_or_create(
            code=code,
            defaults={"name": name, "generic_name": generic, "short_name": short,
                      "target_antigen": target, "manufacturer": maker},
        )


def unseed(apps, schema_editor):
    apps.get_model("patients", "CarTProduct").objects.filter(
        code__in=[p[0] for p in PRODUCTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
