"""/api/v1/tokens: admin-only management of API tokens; a scoped admin makes, lists and revokes
only tokens inside its own scope (see ``services.tokens``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from calgate.api.deps import AdminDep, SessionDep
from calgate.api.query_params import StrictQueryRoute
from calgate.schemas.tokens import TokenCreate, TokenCreated, TokenPublic, TokensPublic
from calgate.services import tokens

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"], route_class=StrictQueryRoute)


def _public(row: object) -> TokenPublic:
    """A token row (from services.tokens) in its public form."""
    return TokenPublic.model_validate(row, from_attributes=True)


@router.post("", status_code=201, response_model=TokenCreated, response_model_by_alias=True)
def create_token(body: TokenCreate, session: SessionDep, admin: AdminDep) -> TokenCreated:
    made = tokens.create_token(
        session, role=body.role, calendars=body.calendars, name=body.name, by=admin
    )
    return TokenCreated(**_public(made.row).model_dump(), token=made.secret)


@router.get("", response_model=TokensPublic)
def list_tokens(session: SessionDep, admin: AdminDep) -> TokensPublic:
    return TokensPublic(items=[_public(r) for r in tokens.list_tokens(session, by=admin)])


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: str, session: SessionDep, admin: AdminDep) -> Response:
    tokens.revoke_token(session, token_id, by=admin)
    return Response(status_code=204)
