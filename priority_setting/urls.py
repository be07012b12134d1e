"""Priority-setting exercises: candidates, evidence, the scored matrix and the draft strategy."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.exercise_list, name="priority_exercise_list"),
    path("new/", views.exercise_create, name="priority_exercise_create"),
    path("<int:pk>/", views.exercise_detail, name="priority_exercise"),
    path("<int:pk>/weights/", views.exercise_weights, name="priority_exercise_weights"),
    path("<int:pk>/candidates/new/", views.candidate_add, name="priority_candidate_add"),
    path(
        "<int:pk>/candidates/<int:candidate_pk>/",
        views.candidate_edit,
        name="priority_candidate_edit",
    ),
    path("<int:pk>/merge/", views.candidate_merge, name="priority_candidate_merge"),
    path("<int:pk>/harm/", views.harm_weights, name="priority_harm_weights"),
    path("<int:pk>/strategy/", views.to_strategy, name="priority_to_strategy"),
    path("<int:pk>/print/", views.exercise_print, name="priority_exercise_print"),
    path("<int:pk>/download.<str:fmt>", views.exercise_download, name="priority_exercise_download"),
]
