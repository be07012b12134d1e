from django.urls import path

from . import content_views as content
from . import tracking_views as tracking
from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("strategies/new/", content.StrategyCreateView.as_view(), name="strategy_create"),
    path("strategies/<slug:slug>/", views.StrategyDetailView.as_view(), name="strategy_detail"),
    path("strategies/<slug:slug>/edit/", content.StrategyEditView.as_view(), name="strategy_edit"),
    path(
        "strategies/<slug:slug>/priorities/new/",
        content.PriorityCreateView.as_view(),
        name="priority_create",
    ),
    path(
        "strategies/<slug:slug>/priorities/<int:number>/edit/",
        content.PriorityEditView.as_view(),
        name="priority_edit",
    ),
    path(
        "strategies/<slug:slug>/priorities/<int:number>/",
        views.PriorityDetailView.as_view(),
        name="priority_detail",
    ),
    path(
        "strategies/<slug:slug>/priorities/<int:number>/actions/new/",
        tracking.ActionCreateView.as_view(),
        name="action_create",
    ),
    path("actions/", tracking.ActionListView.as_view(), name="action_list"),
    path("actions/mine/", tracking.MyActionsView.as_view(), name="my_actions"),
    path("actions/<int:pk>/", tracking.ActionDetailView.as_view(), name="action_detail"),
    path("actions/<int:pk>/edit/", tracking.ActionEditView.as_view(), name="action_edit"),
    path("actions/<int:pk>/retire/", tracking.ActionRetireView.as_view(), name="action_retire"),
    path(
        "actions/<int:pk>/updates/new/",
        tracking.ProgressUpdateCreateView.as_view(),
        name="progress_update_create",
    ),
    path("indicators/<int:pk>/", tracking.IndicatorDetailView.as_view(), name="indicator_detail"),
    path("indicators/<int:pk>/edit/", tracking.IndicatorEditView.as_view(), name="indicator_edit"),
    path(
        "indicators/<int:pk>/values/new/",
        tracking.IndicatorValueView.as_view(),
        name="indicator_value_create",
    ),
    path(
        "indicators/<int:pk>/values/<int:value_pk>/edit/",
        tracking.IndicatorValueView.as_view(),
        name="indicator_value_edit",
    ),
]
