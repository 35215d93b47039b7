"""REST endpoints for the catalogue: products with their label data, and thresholds.

Read-only (administrators edit in the admin). Served at /api/eligibility/products/ and
/api/eligibility/thresholds/ (eligibility/api_urls.py), where screening clients find them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from . import selectors
from .models import CarTProduct, DrugClass, ProductIndication, ProductLabel, Threshold

# --- Catalogue ------------------------------------------------------------------------------


class ProductLabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductLabel
        fields = [
            "monitoring_window_days",
            "proximity_restriction_weeks",
            "driving_restriction_weeks",
            "source",
            "verified",
        ]


class ProductIndicationSerializer(serializers.ModelSerializer):
    required_prior_drug_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=DrugClass.choices)
    )

    class Meta:
        model = ProductIndication
        fields = [
            "id",
            "diagnosis",
            "description",
            "min_prior_lines",
            "first_line_relapse_within_months",
            "post_transplant_rule",
            "min_age_years",
            "max_age_years",
            "ecog_max",
            "required_prior_drug_classes",
            "requires_lenalidomide_refractory",
            "requires_refractory_or_second_relapse",
            "last_line_relapse_within_months",
            "first_line_required_drug_classes",
            "dose_text",
            "lymphodepletion_regimen_key",
            "source",
            "verified",
        ]


class CatalogueProductSerializer(serializers.ModelSerializer):
    label = ProductLabelSerializer(read_only=True, allow_null=True)
    indications = serializers.SerializerMethodField()

    class Meta:
        model = CarTProduct
        fields = [
            "code",
            "short_name",
            "name",
            "target_antigen",
            "manufacturer",
            "label",
            "indications",
        ]

    @extend_schema_field(ProductIndicationSerializer(many=True))
    def get_indications(self, product):
        return ProductIndicationSerializer(selectors.active_indications(product), many=True).data


class ThresholdSerializer(serializers.ModelSerializer):
    description = serializers.CharField(source="get_key_display", read_only=True)

    class Meta:
        model = Threshold
        fields = ["key", "description", "value", "unit", "source", "verified"]


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    """Products with their label data and indications (edited by administrators)."""

    serializer_class = CatalogueProductSerializer
    queryset = selectors.products_with_label_data()
    lookup_field = "code"


class ThresholdViewSet(viewsets.ReadOnlyModelViewSet):
    """Eligibility, risk, CAR-HEMATOTOX and washout thresholds (institutional defaults)."""

    serializer_class = ThresholdSerializer
    queryset = selectors.threshold_rows()
    lookup_field = "key"
