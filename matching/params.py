"""Weights and knobs of the engine, frozen so a plan can always say what produced it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Params(BaseModel):
    """Soft-term weights and solver settings.

    Every score is in *points*; inside the flow, points are multiplied by ``scale`` and rounded
    to integers term by term, so the validator can recompute the objective exactly. With the
    defaults a pair scores at most about 22 points, so int64 costs are far from overflow even
    at ten million pairs.

    The defaults encode the alliance's priorities: serving a project at all (``w_match``)
    dominates every preference, so the engine never leaves a project open to make another pair
    prettier unless capacity forces a choice; urgency is next, so urgent projects win scarce
    capacity; then waiting time, so old projects do not starve.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    w_match: float = Field(10.0, ge=0, description="points for serving a project at all")
    w_urgency: float = Field(4.0, ge=0, description="points at the highest priority")
    w_waiting: float = Field(2.0, ge=0, description="points once a project waited waiting_full_days")
    w_distance: float = Field(2.0, ge=0, description="points for a pair within a short walk")
    w_skill: float = Field(1.0, ge=0, description="points for a perfect specialist fit")
    w_credit: float = Field(1.0, ge=0, description="points for a unit with credit 100")
    w_stability: float = Field(1.0, ge=0, description="points for keeping last run's proposal")
    w_load: float = Field(
        2.0, ge=0,
        description="marginal cost (points) of a unit's last capacity slot; slot j of a unit with "
        "nominal capacity c costs w_load*j/c, so total load cost is convex and idle units win ties",
    )
    max_priority: int = Field(3, ge=1, description="priority value that earns the full w_urgency")
    waiting_full_days: float = Field(30.0, gt=0)
    walk_km: float = Field(0.4, ge=0, description="about a 5-minute walk: full distance score")
    distance_decay_km: float = Field(2.0, gt=0, description="e-folding length beyond walk_km")
    distance_unknown: float = Field(
        0.5, ge=0, le=1, description="distance score when the resource has no location"
    )
    hours_per_slot: float = Field(
        4.0, gt=0, description="turns an hours budget into nominal slots for load spreading"
    )
    scale: int = Field(1000, ge=1, le=1_000_000, description="integer units per point")
    cell_km: float = Field(2.0, gt=0, description="grid cell size of the spatial index")
    compute_duals: bool = Field(True, description="compute each unit's marginal value")
    gap_time_limit: float = Field(10.0, gt=0, description="seconds per hours-budget component")
    flow_batch_pairs: int = Field(
        200_000, ge=1, description="independent components are solved in batches of this size"
    )
    repair_rounds: int = Field(
        1, ge=0, description="k>1: re-solves of the relaxation around the teams already decided"
    )
    repair_ejection: bool = Field(
        True, description="k>1 repair: short teams may take the weakest place on a full resource"
    )
    multi_bound_iterations: int = Field(
        30, ge=0, description="k>1: subgradient steps that tighten the bound past the flow relaxation"
    )
    multi_neighbourhoods: int = Field(
        100, ge=0, description="k>1: neighbourhoods re-planned exactly (MIP) where the plan loses most"
    )
    multi_neighbourhood_units: int = Field(6, ge=1, description="k>1: units per neighbourhood")
    multi_margin: float = Field(
        1.0, ge=0, description="k>1: a neighbourhood leaves out pairs this many points below their price"
    )
    multi_min_loss: float = Field(
        0.2, ge=0, description="k>1: a project opens a neighbourhood only if the bound says it "
        "loses more than this many points"
    )
    multi_mip_nodes: int = Field(200, ge=1, description="k>1: branch-and-bound nodes per neighbourhood")
    multi_seconds: float = Field(
        8.0, gt=0, description="k>1: wall-clock guard on the neighbourhood search (the node and "
        "neighbourhood limits decide the plan; this only stops a slow machine; inf: no guard, the "
        "plan an unhurried machine gives, however long it takes)"
    )
