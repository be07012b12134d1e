"""The 'API for partners' page and the page where people manage their own tokens."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from .forms import TokenForm
from .models import ApiToken


class ApiGuideView(TemplateView):
    """How partners get a token and pull data into Excel, Power BI, R or pandas."""

    template_name = "api/guide.html"


class TokenListView(LoginRequiredMixin, View):
    template_name = "api/tokens.html"

    def tokens(self, request):
        return ApiToken.objects.filter(user=request.user)

    def get(self, request):
        return render(
            request, self.template_name, {"form": TokenForm(), "tokens": self.tokens(request)}
        )

    def post(self, request):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return render(
                request, self.template_name, {"form": form, "tokens": self.tokens(request)}
            )
        token, key = ApiToken.issue(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=timezone.now() + dt.timedelta(days=form.cleaned_data["lifetime"]),
        )
        # The key is shown on this response only; it is never stored or shown again.
        response = render(
            request,
            self.template_name,
            {
                "form": TokenForm(),
                "tokens": self.tokens(request),
                "new_token": token,
                "new_key": key,
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        token.revoke()
        messages.success(request, f"Token '{token.name}' revoked")
        return HttpResponseRedirect(reverse("api_tokens"))
