"""The terminal rendering of ``icestats pipeline`` (its tables from the column specs in
``render/column_specs_pipeline.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from icestats.answers import PipelineAnswer


def pipeline(console: Console, p: PipelineAnswer) -> None:
    """``icestats pipeline``: the kinds side by side, what the ratios cannot mean, removals
    against the goal, the linked shares and book-ins by agency (national rows)."""
    from rich.text import Text

    from icestats.render.tables import source_line
    from icestats.render.terminal import print_table

    print_table(console, p, "kinds")
    for r in p.ratios:
        console.print(Text(f"{r['ratio']}: {r['cannot_mean']}", style="dim"))
    if p.removal_goal.get("removals_loaded"):
        print_table(console, p, "removals_by")
        console.print(f"Goal: {p.removal_goal['goal_source']}.", style="dim")
        if p.removal_goal.get("goal_note"):
            console.print(p.removal_goal["goal_note"], style="yellow")
    else:
        console.print("No removals loaded: nothing to set against the removal goal.")
    notes = p.linked_notes
    if any(r["eligible_book_in"] or r["eligible_removal"] for r in p.linked):
        print_table(console, p, "linked")
        missing = notes.get("arrests_without_identifier") or 0
        console.print(Text(f"Followed through: book-ins {notes.get('book_ins_through')}, "
                           f"removals {notes.get('removals_through')}; arrests without an "
                           f"identifier (not followed): {missing:,}", style="dim"))
    else:
        console.print("Linked shares: no identifiers link arrests to book-ins or removals "
                      "in the loaded releases (the DDP 2025-26 releases do).", style="dim")
    office = p.window.slice.office if p.window else None  # (the office asked, or all)
    national = [r for r in p.book_ins_by_agency if r["aor"] == (office or "all")]
    if national:
        print_table(console, p, "book_ins_by_agency", rows=national)
        if p.workbook_book_ins:
            print_table(console, p, "workbook_book_ins")
    source_line(console, p)
