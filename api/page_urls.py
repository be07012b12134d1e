from django.urls import path

from . import views

urlpatterns = [
    path("", views.ApiGuideView.as_view(), name="api_guide"),
    path("tokens/", views.TokenListView.as_view(), name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="api_token_revoke"),
]
