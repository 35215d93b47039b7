"""Lab values sent to the API in the unit they were measured in (issue 16 item 9).

One rule for every serializer with measured fields: ``{"units": {"crp_mg_dl": "mg_l"}}``
converts each named value to the unit in its field's name (core/units.py) before the usual
validation, and a value that is not plausible gets the clinical message the pages give
("Temperature 372 °C is not possible — did you mean 37.2?"), not a digit count.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import units


class MeasuredUnitsMixin(serializers.Serializer):
    """Declare ``measured_fields = {field: (quantity, decimal places)}`` on the serializer;
    fields in ``always_checked`` get the clinical plausibility message even when sent without
    a unit (the others keep their fields' own range messages then)."""

    measured_fields: dict[str, tuple[str, int]] = {}
    always_checked: frozenset[str] = frozenset()

    units = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        write_only=True,
        help_text=_(
            'Units the values were measured in, e.g. {"crp_mg_dl": "mg_l"}. Values are '
            "converted to the unit in the field name; without an entry they are in that unit."
        ),
    )

    def to_internal_value(self, data):
        if not hasattr(data, "get"):
            return super().to_internal_value(data)
        given = data.get("units") or {}
        if not isinstance(given, dict):
            raise serializers.ValidationError({"units": [_("Send an object: field → unit.")]})
        data = data.copy()
        errors = {}
        for name in given:
            if name not in self.measured_fields:
                errors[name] = [_("This field takes no unit.")]
        for name, (quantity, places) in self.measured_fields.items():
            if data.get(name) in (None, "") or not (name in given or name in self.always_checked):
                continue
            unit = given.get(name) or units.QUANTITIES[quantity].canonical
            try:
                data[name] = str(units.to_canonical(quantity, data[name], unit, places=places))
            except (ValueError, ArithmeticError, TypeError) as error:
                errors[name] = [str(error) or _("Enter a number.")]
        if errors:
            raise serializers.ValidationError(errors)
        values = super().to_internal_value(data)
        values.pop("units", None)  # done with: the values are in their fields' units now
        return values
