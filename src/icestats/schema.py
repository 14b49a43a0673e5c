"""Facts about the data that several modules need: one place for each.

The canonical fields of an arrest record, which of them are plain text, which are
secondary dates, and the default database path. Ingest maps release columns to these
fields; the store declares them as columns; the generator writes them. Nothing here
imports another icestats module.
"""

from __future__ import annotations

DEFAULT_DB = "icestats.duckdb"

# Canonical text fields of an arrest record (stored as VARCHAR, normalized by one rule).
TEXT_FIELDS = (
    "state", "county", "final_program", "method", "apprehension_type", "criminality",
    "agency", "case_status", "case_category", "departure_country", "final_order",
    "citizenship", "gender", "site_landmark", "operation", "case_threat_level",
    # schema 4: fields of the real layouts (ingest.registry)
    "final_program_group", "case_criminality", "conviction_status", "processing_disposition",
    "apprehension_threat_level", "removal_threat_level",
)
# Text columns derived from a field of another name: state_from_site is the state that
# 'TOA Current Duty Site' names, kept apart from the reported state.
DERIVED_TEXT = ("state_from_site",)
# Columns the arrests table gained in schema 4 (added at its end, so that a migrated
# database and a new one have the same column order).
ADDED_IN_4 = (*TEXT_FIELDS[16:], *DERIVED_TEXT)
# Dates other than the apprehension date: kept as a date when plausible, else as raw text.
SECONDARY_DATES = ("departed_date", "final_order_date")
