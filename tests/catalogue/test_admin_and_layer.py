"""The catalogue in the admin: administrators edit with history, auditors read, nobody else
writes; and the app stays below the stages (it imports only core)."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from catalogue import selectors, services
from catalogue.models import CarTProduct, ProductIndication, ProductLabel, Threshold

pytestmark = pytest.mark.django_db

CATALOGUE_ADMIN_PAGES = [
    "/admin/catalogue/cartproduct/",
    "/admin/catalogue/productlabel/",
    "/admin/catalogue/productindication/",
    "/admin/catalogue/threshold/",
]


@pytest.mark.parametrize("path", CATALOGUE_ADMIN_PAGES)
def test_administrator_and_auditor_open_the_catalogue_in_the_admin(
    client, admin_alex, auditor_cara, path
):
    for user in (admin_alex, auditor_cara):
        client.force_login(user)
        assert client.get(path).status_code == 200, (user.username, path)


def test_administrator_edits_a_label_row_in_the_admin_and_the_history_names_him(client, admin_alex):
    label = ProductLabel.objects.get(product__code="relma-cel")
    client.force_login(admin_alex)
    response = client.post(
        f"/admin/catalogue/productlabel/{label.pk}/change/",
        {
            "product": label.product_id,
            "monitoring_window_days": label.monitoring_window_days,
            "proximity_restriction_weeks": 2,
            "driving_restriction_weeks": 8,
            "source": "Carteyva label 2026 (checked)",
            "verified": "on",
        },
    )
    assert response.status_code == 302
    terms = selectors.discharge_restrictions(label.product)
    assert (terms.stay_near_centre_days, terms.no_driving_days, terms.verified) == (14, 56, True)
    latest = ProductLabel.history.filter(id=label.pk).latest()
    assert latest.history_user == admin_alex
    assert latest.proximity_restriction_weeks == 2


def test_auditor_cannot_change_a_threshold_in_the_admin(client, auditor_cara):
    row = Threshold.objects.get(key="washout_chemotherapy_days")
    client.force_login(auditor_cara)
    response = client.post(
        f"/admin/catalogue/threshold/{row.pk}/change/",
        {"value": "21", "source": "x", "verified": "on"},
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.value == 14


def test_a_threshold_key_cannot_be_renamed_in_the_admin(client, admin_alex):
    row = Threshold.objects.get(key="washout_chemotherapy_days")
    client.force_login(admin_alex)
    client.post(
        f"/admin/catalogue/threshold/{row.pk}/change/",
        {"key": "anc_min", "value": "14", "source": row.source, "verified": "on"},
    )
    row.refresh_from_db()
    assert row.key == "washout_chemotherapy_days"


@pytest.mark.parametrize("role", ["clinician", "nurse", "auditor", "pharmacist"])
def test_only_administrators_write_the_catalogue_through_the_service(personas, role):
    row = Threshold.objects.get(key="washout_chemotherapy_days")
    row.value = 21
    with pytest.raises(PermissionDenied):
        services.catalogue_row_save(by=personas[role], row=row)
    assert Threshold.objects.get(pk=row.pk).value == 14


def test_the_service_checks_the_row_and_keeps_the_unit_of_the_rule(admin_alex):
    row = Threshold.objects.get(key="washout_chemotherapy_days")
    row.value, row.unit = 21, "weeks"
    services.catalogue_row_save(by=admin_alex, row=row)
    row.refresh_from_db()
    assert (row.value, row.unit) == (21, "days")
    assert selectors.thresholds()["washout_chemotherapy_days"].value == 21


def test_every_indication_names_a_regimen_of_the_catalogue():
    from catalogue.regimens import REGIMENS

    keys = set(
        ProductIndication.objects.exclude(lymphodepletion_regimen_key="").values_list(
            "lymphodepletion_regimen_key", flat=True
        )
    )
    assert keys and keys <= set(REGIMENS)
    assert selectors.regimen_keys(CarTProduct.objects.get(code="axi-cel"), "LBCL") == ["axi-cel"]


def _project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names


def test_the_catalogue_imports_no_stage_and_not_patients():
    root = Path(__file__).resolve().parents[2]
    apps = {p.parent.name for p in root.glob("*/apps.py")}
    for path in (root / "catalogue").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        imported_apps = _project_imports(path) & apps
        assert imported_apps <= {"catalogue", "core"}, (path.name, imported_apps)
