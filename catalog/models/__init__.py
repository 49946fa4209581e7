"""Pydantic models at the catalog's boundary: what commands accept and what they return.

Input models forbid unknown fields and mirror the database's CHECK constraints, so bad input is
refused with a clear message before any SQL runs; the constraints stay as the last line of defence.
Their JSON Schema (the OpenAPI document's) states what they check, rules across fields included:
a rule added to a validator goes into the model's ``json_schema_extra`` too (catalog.shapes).

The schemas are grouped as the catalog's rooms are:

``common``     shared field types (Code, Name, Id, …), ``Input`` and ``Record``, ``Actor``, the
               caller (``Principal``), paging (``ListQuery``), a reason with its note, history
``phones``     手机号码 and 联系电话 as people write them
``directory``  areas, categories, member units                      (catalog.lists.directory)
``resources``  资源清单: resources and their weekly openings         (catalog.lists.resources)
``needs``      需求清单: needs, their review, the resident's 点单    (catalog.lists.needs)
``team``       claims, offers and proposals; the lead and helpers   (catalog.lists.team)
``projects``   项目清单: projects, edits, progress, completion, the closing link, the public
               board (公示)                                          (catalog.lists.projects)
``people``     accounts, login, tokens                               (catalog.people)
``oversight``  credit, the league table, the sweep's result          (catalog.oversight)
``supervision`` 督办 items, warnings (预警), notes, time limits     (catalog.oversight.supervision)
``charts``     the map and the charts of a scope                     (catalog.oversight.charts)
``editing``    the administrators' list of units and a unit's edit   (catalog.lists.editing)
``batch``      run records, proposals, explanations, suggestions     (catalog.batch)

A new schema goes into the module of the room whose functions take or return it, and is
re-exported below, so that ``from catalog.models import X`` keeps working for every caller (the
API among them: this package is its door to every schema it shows or accepts). A room imports its
schemas from these modules, and still names the ones it named before. These modules import
nothing of the catalog but ``enums``, ``shapes``, ``oversight.limits`` (the alert levels, the time
limits' bounds) and each other (``common`` first), so any room may import them; ``batch`` also
shows the engine's own records (``matching``).
"""

from __future__ import annotations

from catalog.models.batch import (
    Explanation,
    ProjectSuggestion,
    ProposalView,
    RunDetail,
    RunDetailQuery,
    RunFilter,
    RunPage,
    RunProject,
    RunRecord,
    SuggestionQuery,
    Term,
    UnitSuggestions,
)
from catalog.models.charts import (
    AreaName,
    Bin,
    CategoryBalance,
    CategoryName,
    ChartScope,
    Distribution,
    Durations,
    Figure,
    Figures,
    MapArea,
    MapData,
    MapNeed,
    MapResource,
    UnitSatisfaction,
    WeekCount,
)
from catalog.models.common import (
    PAGE_MAX,
    SYSTEM,
    Actor,
    CategoryCode,
    Code,
    HistoryEntry,
    Id,
    Input,
    Lat,
    ListQuery,
    Lon,
    LongText,
    Name,
    NoteIn,
    Principal,
    Record,
    ShortText,
    Tag,
)
from catalog.models.directory import Area, AreaIn, Category, CategoryIn, Unit, UnitFilter, UnitIn, UnitPage, UnitView
from catalog.models.editing import UnitEditIn, UnitListFilter, UnitRow, UnitRowPage
from catalog.models.needs import Need, NeedFilter, NeedIn, NeedPage, NeedReceipt, NeedView, PublicNeedIn, RejectIn
from catalog.models.oversight import (
    CreditLedger,
    CreditLedgerEntry,
    CreditScore,
    LeagueQuery,
    LeagueRow,
    LeagueTable,
    SweepResult,
)
from catalog.models.people import ACCOUNT_ROLES, Account, AccountIn, LoginIn, Password, Session, Username
from catalog.models.phones import (
    CONTACT_MESSAGE,
    LANDLINE_SHAPE,
    MOBILE_MESSAGE,
    MOBILE_SHAPE,
    ContactPhone,
    MobilePhone,
    contact_number,
    mobile_number,
)
from catalog.models.projects import (
    WINDOW_ORDER,
    ClosingIn,
    ClosingLink,
    ClosingPage,
    Completion,
    CompletionIn,
    EstimatedHours,
    Place,
    Priority,
    ProgressEntry,
    ProgressIn,
    Project,
    ProjectCancelIn,
    ProjectDetail,
    ProjectFilter,
    ProjectIn,
    ProjectPage,
    ProjectPatchIn,
    PublicProgress,
    PublicProject,
    PublicProjectPage,
    UnitsRequired,
    project_rule_broken,
)
from catalog.models.resources import ClockTime, Resource, ResourceFilter, ResourceIn, ResourcePage, WeeklySlot
from catalog.models.supervision import (
    AlertFilter,
    AlertPage,
    AlertView,
    CategoryTimeLimits,
    ProjectAlert,
    SupervisionFilter,
    SupervisionItem,
    SupervisionNote,
    SupervisionNoteIn,
    SupervisionPage,
    TimeLimit,
    TimeLimitIn,
    TimeLimitsIn,
)
from catalog.models.team import (
    Assignment,
    AssignmentFilter,
    ClaimIn,
    DirectIn,
    ReasonIn,
    ReassignIn,
    TeamMember,
    UnitAssignment,
    UnitAssignmentPage,
)

__all__ = [
    # common
    "Code", "CategoryCode", "Name", "ShortText", "LongText", "Tag", "Lat", "Lon", "Id", "Input", "Record",
    "Actor", "SYSTEM", "HistoryEntry", "Principal", "PAGE_MAX", "ListQuery", "NoteIn",
    # phones
    "MOBILE_MESSAGE", "CONTACT_MESSAGE", "MOBILE_SHAPE", "LANDLINE_SHAPE", "mobile_number", "contact_number",
    "MobilePhone", "ContactPhone",
    # directory
    "AreaIn", "Area", "CategoryIn", "Category", "UnitIn", "Unit", "UnitFilter", "UnitView", "UnitPage",
    # resources
    "ClockTime", "WeeklySlot", "ResourceIn", "Resource", "ResourceFilter", "ResourcePage",
    # needs
    "NeedIn", "Need", "RejectIn", "NeedFilter", "NeedView", "NeedPage", "PublicNeedIn", "NeedReceipt",
    # team
    "ReasonIn", "Assignment", "TeamMember", "AssignmentFilter", "UnitAssignment", "UnitAssignmentPage", "ClaimIn",
    "DirectIn", "ReassignIn",
    # projects
    "Place", "UnitsRequired", "EstimatedHours", "Priority", "WINDOW_ORDER", "project_rule_broken", "ProjectIn",
    "Project", "ProgressIn", "ProgressEntry", "CompletionIn", "ClosingIn", "ClosingLink", "Completion",
    "ProjectFilter", "ProjectDetail", "ProjectPage", "PublicProgress", "PublicProject", "ClosingPage",
    "PublicProjectPage", "ProjectCancelIn", "ProjectPatchIn",
    # people
    "Username", "Password", "ACCOUNT_ROLES", "AccountIn", "Account", "LoginIn", "Session",
    # oversight
    "CreditScore", "CreditLedgerEntry", "CreditLedger", "LeagueRow", "LeagueQuery", "LeagueTable", "SweepResult",
    # supervision
    "SupervisionFilter", "AlertFilter", "SupervisionNote", "SupervisionItem", "SupervisionPage", "AlertView",
    "AlertPage", "ProjectAlert", "SupervisionNoteIn", "TimeLimitIn", "TimeLimitsIn", "TimeLimit", "CategoryTimeLimits",
    # charts
    "Figure", "ChartScope", "AreaName", "CategoryName", "CategoryBalance", "WeekCount", "Bin", "Distribution",
    "Durations", "UnitSatisfaction", "MapArea", "MapNeed", "MapResource", "MapData", "Figures",
    # editing
    "UnitEditIn", "UnitListFilter", "UnitRow", "UnitRowPage",
    # batch
    "RunFilter", "RunDetailQuery", "ProposalView", "RunProject", "RunRecord", "RunPage", "RunDetail",
    "SuggestionQuery", "Term", "ProjectSuggestion", "UnitSuggestions", "Explanation",
]
