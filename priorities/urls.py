from django.urls import path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("strategies/<slug:slug>/", views.StrategyDetailView.as_view(), name="strategy_detail"),
    path(
        "strategies/<slug:slug>/priorities/<int:number>/",
        views.PriorityDetailView.as_view(),
        name="priority_detail",
    ),
]
