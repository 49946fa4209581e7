"""The catalog as one principal sees it: every read and command of the API and the pages, scoped.

Each function takes the caller's :class:`~catalog.models.Principal`, applies the rules of
:mod:`catalog.people.access` (404 for what the caller may not see, 403 for what they may see but
not change), calls the module that does the work (``catalog.lists``, ``catalog.oversight``,
``catalog.batch``, ``catalog.people``), and returns a view with personal data full or masked for
that caller. The modules behind this door check nobody; the HTTP handlers call only this door.

By subject, one module each:

========================  =====================================================================
``needs``                 需求清单: record, read, list, review, withdraw
``projects``              项目清单: the secretary's commands, the unit's steps, the detail view
``team``                  协办 units beside a project's lead
``resources``             资源清单: list, review, take down, rewrite, put back up
``units``                 member units, their credit and ledger, the administrators' desk
``directory``             areas and categories
``history``               the history of anything the caller may read
``public``                no account: the board, the league table, the overview, 点单 and 结单
``supervision``           督办, 预警 and each category's time limits
``suggestions``           the engine's ranking for a unit and why it proposed what it did
``figures``               the map and the charts of a scope
``accounts``              login, logout, who a token is, revoking an account
``batch``                 the batch job's own commands
``common``                the shared refusals
``idempotency``           the stored first answer to a request sent with an ``Idempotency-Key``
``rules``                 pure rules the pages may ask: which buttons to show, a running clock's
                          colour, the words for codes (no database, no caller)
========================  =====================================================================

A new read or command goes into its subject's module and is named below, so that
``from catalog import scoped; scoped.name(...)`` finds it. ``Db``, what every function here takes
as ``db`` (a pool or a connection), is named here too.
"""

from __future__ import annotations

from catalog.storage.tx import Db as Db  # what every function here takes as ``db``

from . import idempotency as idempotency  # the routing's stored answers: .exclusive, .replay, .remember
from .accounts import login, logout, principal_for_token, revoke_account
from .batch import get_batch_run, list_batch_runs, sweep
from .directory import create_area, create_category, list_areas, list_categories, retire_category
from .figures import chart_areas, chart_scope, figures
from .history import history
from .needs import accept_need, get_need, list_needs, need_view, reject_need, submit_need, withdraw_need
from .projects import (
    accept_offer,
    add_progress,
    cancel_project,
    claim_project,
    complete_project,
    confirm_claim,
    confirm_proposal,
    create_project,
    decline_offer,
    direct_project,
    get_project,
    give_back,
    list_projects,
    publish_project,
    reassign_offer,
    reject_claim,
    release_claim,
    start_project,
    update_project,
    withdraw_offer,
)
from .public import (
    PUBLIC_FORM_LIMIT,
    PUBLIC_FORM_WINDOW_SECONDS,
    close_by_resident,
    closing_page,
    league_table,
    public_project,
    public_projects,
    status_counts,
    submit_public_need,
)
from .resources import (
    create_resource,
    delist_resource,
    get_resource,
    list_resources,
    publish_resource,
    relist_resource,
    resource_and_unit,
    update_resource,
)
from .rules import (  # pure rules the pages may ask
    CLOSE_FOLLOW_UP as CLOSE_FOLLOW_UP,
    MAP_STATES as MAP_STATES,
    PHASE_LABELS as PHASE_LABELS,
    PHASES as PHASES,
    SKIP_LABELS as SKIP_LABELS,
    STATUS_PHASES as STATUS_PHASES,
    UNMATCHED_LABELS as UNMATCHED_LABELS,
    Alert as Alert,
    admin_street as admin_street,
    can_manage_directory as can_manage_directory,
    editable_fields as editable_fields,
    running_clock as running_clock,
    warning_level as warning_level,
)
from .suggestions import explanation, explanations, projects_for_unit
from .supervision import (
    add_supervision_note,
    get_time_limits,
    set_time_limits,
    supervision_alerts,
    supervision_item,
    supervision_items,
)
from .team import accept_helper, add_helper, decline_helper, give_back_helper, withdraw_helper
from .units import (
    create_unit,
    credit_ledger,
    credit_score,
    get_unit,
    ledger_unit,
    list_managed_units,
    list_units,
    managed_unit,
    may_home_unit_in,
    set_unit_status,
    unit_assignments,
    unit_live_work,
    unit_view,
    update_unit,
)

__all__ = [
    # accounts
    "login", "logout", "principal_for_token", "revoke_account",
    # batch
    "get_batch_run", "list_batch_runs", "sweep",
    # directory
    "create_area", "create_category", "list_areas", "list_categories", "retire_category",
    # figures
    "chart_areas", "chart_scope", "figures",
    # history
    "history",
    # needs
    "accept_need", "get_need", "list_needs", "need_view", "reject_need", "submit_need", "withdraw_need",
    # projects
    "accept_offer", "add_progress", "cancel_project", "claim_project", "complete_project", "confirm_claim",
    "confirm_proposal", "create_project", "decline_offer", "direct_project", "get_project", "give_back",
    "list_projects", "publish_project", "reassign_offer", "reject_claim", "release_claim", "start_project",
    "update_project", "withdraw_offer",
    # public
    "PUBLIC_FORM_LIMIT", "PUBLIC_FORM_WINDOW_SECONDS", "close_by_resident", "closing_page", "league_table",
    "public_project", "public_projects", "status_counts", "submit_public_need",
    # resources
    "create_resource", "delist_resource", "get_resource", "list_resources", "publish_resource", "relist_resource",
    "resource_and_unit", "update_resource",
    # suggestions
    "explanation", "explanations", "projects_for_unit",
    # supervision
    "add_supervision_note", "get_time_limits", "set_time_limits", "supervision_alerts", "supervision_item",
    "supervision_items",
    # team
    "accept_helper", "add_helper", "decline_helper", "give_back_helper", "withdraw_helper",
    # units
    "create_unit", "credit_ledger", "credit_score", "get_unit", "ledger_unit", "list_managed_units", "list_units",
    "managed_unit", "may_home_unit_in", "set_unit_status", "unit_assignments", "unit_live_work", "unit_view",
    "update_unit",
]
