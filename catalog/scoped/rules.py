"""Pure rules the pages may ask: no database and no caller to check, only the catalog's own rules
and words. Which buttons to show (who may manage the directory, an administrator's street, the
fields of a project a secretary may still edit), how a running clock stands (时限 and its colours),
and what a phase, a skip or an unmatched reason reads as.

A page decides what to show with these; every command still checks for itself when it is called.
"""

from __future__ import annotations

from catalog.batch.runs import UNMATCHED_LABELS
from catalog.batch.summary import PHASE_LABELS, PHASES, SKIP_LABELS
from catalog.lists.projects import editable_fields
from catalog.oversight.charts import MAP_STATES, STATUS_PHASES
from catalog.oversight.limits import CLOSE_FOLLOW_UP, Alert, running_clock, warning_level
from catalog.people.access import admin_street, can_manage_directory

__all__ = [
    # who may: the buttons a page shows
    "admin_street", "can_manage_directory", "editable_fields",
    # time limits: a running clock and its colour
    "Alert", "CLOSE_FOLLOW_UP", "running_clock", "warning_level",
    # words for codes
    "MAP_STATES", "PHASES", "PHASE_LABELS", "SKIP_LABELS", "STATUS_PHASES", "UNMATCHED_LABELS",
]
