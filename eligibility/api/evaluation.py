"""The evaluation of a screening as the API shows it (read-only serializers)."""

from rest_framework import serializers

from catalogue.texts import seeded_text
from eligibility import selectors, text
from eligibility.models import (
    RuleResult,
    ScreeningAssessment,
)

# --- Evaluation (read-only) -----------------------------------------------------------------


class CriterionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=["met", "not_met", "missing"])
    reason = serializers.CharField()
    unverified = serializers.BooleanField()


class RiskSignalSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    present = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField()


class HematotoxComponentSerializer(serializers.Serializer):
    key = serializers.CharField()
    points = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()


class HematotoxSerializer(serializers.Serializer):
    score = serializers.IntegerField(allow_null=True)
    points_counted = serializers.IntegerField()
    group = serializers.ChoiceField(choices=["low", "high"], allow_null=True)
    high_risk_min = serializers.IntegerField()
    components = HematotoxComponentSerializer(many=True)


class WashoutCheckSerializer(serializers.Serializer):
    therapy_class = serializers.CharField()
    last_dose_date = serializers.DateField()
    min_days = serializers.IntegerField(allow_null=True)
    clear_on = serializers.DateField(allow_null=True)


class EvaluationSerializer(serializers.Serializer):
    rule_result = serializers.ChoiceField(choices=RuleResult.choices)
    indication = serializers.CharField(allow_null=True)
    criteria = CriterionSerializer(many=True)
    risk_signals = RiskSignalSerializer(many=True)
    hematotox = HematotoxSerializer()
    washouts = WashoutCheckSerializer(many=True)
    earliest_apheresis_date = serializers.DateField(allow_null=True)


def evaluation_data(assessment: ScreeningAssessment, table=None) -> dict:
    evaluation = selectors.evaluate(assessment, threshold_table=table)
    hematotox = evaluation.risks.hematotox
    data = {
        "rule_result": evaluation.result.overall,
        "indication": seeded_text(evaluation.result.indication.description)
        if evaluation.result.indication
        else None,
        "criteria": [
            {k: row[k] for k in ("key", "label", "status", "reason", "unverified")}
            for row in text.criterion_rows(evaluation.result, evaluation.thresholds)
        ],
        "risk_signals": [
            {k: row[k] for k in ("key", "label", "present", "reason")}
            for row in text.signal_rows(evaluation.risks, evaluation.thresholds)
        ],
        "hematotox": {
            "score": hematotox.score,
            "points_counted": hematotox.points_counted,
            "group": hematotox.group,
            "high_risk_min": hematotox.high_risk_min,
            "components": [
                {"key": c.key, "points": c.points, "reason": c.reason} for c in hematotox.components
            ],
        },
        "washouts": [
            {
                "therapy_class": c.therapy.therapy_class,
                "last_dose_date": c.therapy.last_dose_date,
                "min_days": c.min_days,
                "clear_on": c.clear_on,
            }
            for c in evaluation.washouts
        ],
        "earliest_apheresis_date": evaluation.earliest_apheresis,
    }
    return EvaluationSerializer(data).data
