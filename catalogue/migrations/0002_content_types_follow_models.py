"""The moved models' content types now name the catalogue app, so their admin permissions
(catalogue.change_cartproduct, …), the administrators' and auditors' role grants
(core/role_permissions.py) and the admin log entries follow the models. No row is copied:
the content type row is relabelled. If the catalogue's content type already exists (a
post_migrate ran in between), the grants move to it and the old one goes."""

from django.db import migrations

MOVED = {
    "patients": ("cartproduct", "historicalcartproduct"),
    "eligibility": (
        "productlabel",
        "historicalproductlabel",
        "productindication",
        "historicalproductindication",
        "threshold",
        "historicalthreshold",
    ),
}


def _relabel(apps, model: str, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = ContentType.objects.filter(app_label=source, model=model).first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label=target, model=model).first()
    if new is None:
        old.app_label = target
        old.save(update_fields=["app_label"])
        return
    for perm in Permission.objects.filter(content_type=old):
        kept = Permission.objects.filter(content_type=new, codename=perm.codename).first()
        if kept is None:
            perm.content_type = new
            perm.save(update_fields=["content_type"])
            continue
        kept.group_set.add(*perm.group_set.all())
        kept.user_set.add(*perm.user_set.all())
        perm.delete()
    old.delete()


def forwards(apps, schema_editor):
    for source, models in MOVED.items():
        for model in models:
            _relabel(apps, model, source, "catalogue")


def backwards(apps, schema_editor):
    for target, models in MOVED.items():
        for model in models:
            _relabel(apps, model, "catalogue", target)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_move_models_keep_tables"),
        ("eligibility", "0007_catalogue_moved_out"),
        ("patients", "0010_product_moved_to_catalogue"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
