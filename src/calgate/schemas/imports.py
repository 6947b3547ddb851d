"""An ``.ics`` import as the API shows it (docs/import.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from calgate.schemas.base import ApiModel, UtcDateTime

OnConflict = Literal["skip", "update", "fail", "newUid"]
ImportStatus = Literal["queued", "running", "done", "failed"]


class ImportFailure(ApiModel):
    uid: str | None = Field(description="The UID of the object (null: the component had none).")
    reason: str = Field(description="Why it was not stored (or, for a VTODO, why it was skipped).")
    outcome: Literal["failed", "skipped"] = Field(
        "failed", description="failed (counted in `failed`) or skipped (a VTODO, VJOURNAL ...)."
    )


class ImportPublic(ApiModel):
    id: str
    calendar_id: str
    status: ImportStatus = Field(
        description="queued, running, done, or failed (the whole import: see error)."
    )
    on_conflict: OnConflict
    total: int = Field(description="Objects in the file (one per UID) and skipped components.")
    processed: int = Field(description="Objects dealt with so far (grows while it runs).")
    created: int
    updated: int
    skipped: int
    failed: int
    failures: list[ImportFailure] = Field(
        description="Each object not stored and why (failed ones, and components skipped as "
        "not events), in the file's order."
    )
    error: str | None = Field(description="Why the import as a whole failed; null otherwise.")
    created_at: UtcDateTime
    finished_at: UtcDateTime | None


class ImportsPublic(ApiModel):
    items: list[ImportPublic]
