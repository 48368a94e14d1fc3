"""Best time to post: a pure model, explanations, a week recommender and a planner.

Entry point: :func:`recommend_week` (plain :class:`PastPost` records in, a
:class:`WeekPlan` out). See docs/best-time.md.
"""

from __future__ import annotations

from clairon.scheduling.best_time import BestTimeModel, fit_best_time
from clairon.scheduling.explanation import HeatMap
from clairon.scheduling.history import CSV_COLUMNS, PastPost, load_history_csv, parse_history_csv
from clairon.scheduling.planner import (
    CalendarEntry,
    Channel,
    SpacingRules,
    plan_calendar,
    select_slots,
)
from clairon.scheduling.priors import network_prior
from clairon.scheduling.recommender import RecommendedSlot, WeekPlan, recommend_week
from clairon.scheduling.slots import Slot, parse_audience, week_slots

__all__ = [
    "CSV_COLUMNS",
    "BestTimeModel",
    "CalendarEntry",
    "Channel",
    "HeatMap",
    "PastPost",
    "RecommendedSlot",
    "Slot",
    "SpacingRules",
    "WeekPlan",
    "fit_best_time",
    "load_history_csv",
    "network_prior",
    "parse_audience",
    "parse_history_csv",
    "plan_calendar",
    "recommend_week",
    "select_slots",
    "week_slots",
]
