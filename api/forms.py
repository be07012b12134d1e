from django import forms

from .models import ApiToken

LIFETIMES = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is this token for?",
        max_length=100,
        help_text="For example, 'Power BI dashboard' or 'Kent Police returns system'.",
        error_messages={"required": "Enter what the token is for"},
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=ApiToken.Scope.choices,
        widget=forms.RadioSelect,
        initial=ApiToken.Scope.READ,
        help_text="A token can never do more than you can.",
    )
    lifetime = forms.TypedChoiceField(
        label="Expires after", choices=LIFETIMES, coerce=int, initial=90, widget=forms.RadioSelect
    )
