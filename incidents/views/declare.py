"""Declare an incident (/incidents/declare/)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from core.errors import PermissionDeniedError
from core.ui import render_page, ui_view
from incidents import services
from incidents.forms import DeclareForm
from incidents.models import Source


@require_http_methods(["GET", "POST"])
@ui_view
def declare(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(services.DECLARE_PERMISSION):
        raise PermissionDeniedError("You do not have permission to declare incidents.")
    form = DeclareForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incident = services.incident_create(
            title=data["title"],
            severity=data["severity"],
            services=data["services"],
            summary=data["summary"],
            commander=data["commander"] or request.user,
            actor=request.user,
            source=Source.WEB,
        )
        messages.success(request, f"Incident #{incident.number} declared.")
        return redirect("incidents:detail", number=incident.number)
    status = 400 if form.is_bound else 200
    return render_page(request, "incidents/declare.html", {"form": form}, status=status)
