"""The Claims audit page: every claim of the article with its evidence grade and sources."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from kratomsim.evidence import claims_by_grade, load_claims, unsupported_claims
from kratomsim.interfaces.web.rendering import render

router = APIRouter()


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request) -> HTMLResponse:
    groups = [(grade, claims) for grade, claims in claims_by_grade().items() if claims]
    return render(
        request,
        "claims.html",
        groups=groups,
        total=len(load_claims()),
        unsupported=unsupported_claims(),
    )
