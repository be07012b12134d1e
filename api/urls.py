"""/api/v1/: one router for every app's viewsets, plus the schema and its documentation."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from assessments.api import views as assessment_api
from partners.api import views as partner_api
from priorities.api import views as priority_api
from priority_setting.api import views as priority_setting_api
from surveys.api import views as survey_api

router = DefaultRouter()
router.register("partnerships", partner_api.PartnershipViewSet, basename="partnership")
router.register("areas", partner_api.AreaViewSet, basename="area")
router.register("organisations", partner_api.OrganisationViewSet, basename="organisation")
router.register("strategies", priority_api.StrategyViewSet, basename="strategy")
router.register("priorities", priority_api.PriorityViewSet, basename="priority")
router.register("actions", priority_api.ActionViewSet, basename="action")
router.register("progress-updates", priority_api.ProgressUpdateViewSet, basename="progress-update")
router.register("indicators", priority_api.IndicatorViewSet, basename="indicator")
router.register("indicator-values", priority_api.IndicatorValueViewSet, basename="indicator-value")
router.register("assessments", assessment_api.AssessmentViewSet, basename="assessment")
router.register("measures", assessment_api.MeasureViewSet, basename="measure")
router.register("assessment-figures", assessment_api.FigureViewSet, basename="assessment-figure")
router.register("crime-counts", assessment_api.CrimeCountViewSet, basename="crime-count")
router.register("surveys", survey_api.SurveyViewSet, basename="survey")
router.register("survey-questions", survey_api.QuestionViewSet, basename="survey-question")
router.register("survey-results", survey_api.SurveyResultViewSet, basename="survey-result")
router.register("survey-breakdowns", survey_api.SurveyBreakdownViewSet, basename="survey-breakdown")
router.register(
    "priority-exercises", priority_setting_api.ExerciseViewSet, basename="priority-exercise"
)
router.register(
    "priority-candidates", priority_setting_api.CandidateViewSet, basename="priority-candidate"
)
router.register("priority-scores", priority_setting_api.ScoreViewSet, basename="priority-score")

# The schema and its documentation are published on purpose: they describe, not disclose.
PUBLIC = {"permission_classes": [AllowAny], "authentication_classes": []}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**PUBLIC), name="api-schema"),
    path(
        "docs/",
        # Split: the start-up script is its own request, as the CSP allows no inline script.
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", **PUBLIC),
        name="api-swagger",
    ),
    path(
        "redoc/",
        # ReDoc's bundle injects style elements it cannot give a nonce and searches in a blob:
        # worker: this public page alone allows both (scripts stay 'self' only; see
        # docs/decisions/0010-hardening.md).
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", **PUBLIC)
        ),
        name="api-redoc",
    ),
    path("", include(router.urls)),
]
