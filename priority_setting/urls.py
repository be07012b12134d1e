"""Priority-setting exercises: candidates, evidence, the scored matrix and the draft strategy."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
