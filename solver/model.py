"""The CP-SAT decision variables of one centre's week, and the bookkeeping the rules share.

A time-indexed Boolean model on the grain grid (research §3.1):

* ``x[e][k]``: demand ``e`` uses its ``k``-th option (room + start), at most one per demand;
* ``z[e, k, s]``: staff member ``s`` runs option ``k`` of staffed demand ``e``;
* ``on[s, t]``: staff member ``s`` is on duty in grain ``t`` (only where available and the
  centre is not closed, which is the filter half of ``staff_availability``/``closures``);
* ``open[t]``: the centre is open in grain ``t`` (a staff member is on duty).

The hard rules (``solver/constraints.py``) and soft goals (``solver/goals.py``) only add
constraints and objective terms to a ``ModelContext``; ``solver/rules.py`` lists both in one
place.  With ``relax=True`` every *requirement* (opening hours, weekend offer, consultation hours,
fixed slots, pins) gets a violation variable instead of being hard; the objective
then first minimises the violations, which names the minimum relaxation when a week cannot meet
its requirements (research §4.5, §6.4).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.options import DemandOptions, available, centre_closed, slot_index
from solver.problem import Problem

Expr = cp_model.LinearExpr | cp_model.IntVar | int


@dataclass(slots=True)
class Requirement:
    """A requirement that may be relaxed: ``broken`` is set when it is not met, ``shortfall``
    (in ``unit``) says by how much."""

    rule: str
    subject: str
    required: int
    unit: str
    broken: cp_model.IntVar
    shortfall: cp_model.IntVar | None
    scale: int  # reported units per shortfall unit (a grain is ``grain`` minutes)
    upper: int = 0  # largest possible shortfall
    weight: int = 1  # how many relaxations breaking it counts as


@dataclass(slots=True)
class Term:
    """One objective term: ``coef * var`` belongs to ``goal``; ``group`` marks terms of which at
    most one is active (the options of one demand), for the bound on the soft total."""

    goal: str
    coef: int
    var: cp_model.IntVar
    upper: int
    group: int | None = None


class ModelContext:
    """Variables of one centre's model plus the lists rules and goals append to."""

    def __init__(
        self, problem: Problem, entries: list[DemandOptions], centre: str, *, relax: bool
    ) -> None:
        self.problem = problem
        self.entries = entries
        self.centre = centre
        self.relax = relax
        self.model = cp_model.CpModel()
        self.grain = problem.grain
        self.requirements: list[Requirement] = []
        self.penalties: list[Term] = []
        self.rewards: list[Term] = []

        # Grains of each day inside the house's day window, ascending.
        self.day_slots: dict[int, list[int]] = {}
        for window in sorted(problem.days, key=lambda w: w.day):
            first = slot_index(self.grain, window.day, window.start)
            last = slot_index(self.grain, window.day, window.end - 1)
            self.day_slots[window.day] = list(range(first, last + 1))
        self.slot_day = {t: d for d, ts in self.day_slots.items() for t in ts}

        m = self.model
        self.x: list[list[cp_model.IntVar]] = []
        for e in entries:
            self.x.append([m.new_bool_var(f"x_{e.demand.id}_{k}") for k in range(len(e.options))])

        # Which option variables cover a (room, grain), and a (demand, grain).
        self.room_cover: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        self.demand_cover: list[dict[int, list[cp_model.IntVar]]] = []
        for pos, e in enumerate(entries):
            cover: dict[int, list[cp_model.IntVar]] = defaultdict(list)
            for k, option in enumerate(e.options):
                var = self.x[pos][k]
                for t in option.room_slots or option.slots:
                    self.room_cover[(option.room, t)].append(var)
                for t in option.slots:
                    cover[t].append(var)
            self.demand_cover.append(cover)

        self.staff = [i for i, s in enumerate(problem.staff) if s.centre == centre]
        # z[pos, k, s]: staff member s runs option k of staffed demand pos.  Created only for
        # staff available for the whole option, so availability needs no further constraint,
        # and single-place becomes one LP-tight sum per (staff, grain).
        self.z: dict[tuple[int, int, int], cp_model.IntVar] = {}
        for pos, e in enumerate(entries):
            if not e.staffed:
                continue
            for k, option in enumerate(e.options):
                for s in e.eligible_staff:
                    member = problem.staff[s]
                    if available(member, option.day, option.start, option.end) and not (
                        centre_closed(problem, centre, option.day, option.start, option.end)
                    ):
                        self.z[(pos, k, s)] = m.new_bool_var(f"z_{e.demand.id}_{k}_{member.id}")

        self.on: dict[tuple[int, int], cp_model.IntVar] = {}
        for s in self.staff:
            member = problem.staff[s]
            for day, slots in self.day_slots.items():
                for t in slots:
                    start = t * self.grain - day * 24 * 60
                    end = start + self.grain
                    if any(w.contains(day, start, end) for w in member.availability) and not (
                        centre_closed(problem, centre, day, start, end)
                    ):
                        self.on[(s, t)] = m.new_bool_var(f"on_{member.id}_{t}")

        self.open: dict[int, cp_model.IntVar] = {
            t: m.new_bool_var(f"open_{t}") for ts in self.day_slots.values() for t in ts
        }

    # ------------------------------------------------------------------------------ helpers

    def placed(self, pos: int) -> Expr:
        """1 when demand ``pos`` is placed (its options are mutually exclusive)."""
        return sum(self.x[pos]) if self.x[pos] else 0

    def slots_needed(self, minutes: int) -> int:
        return -(-minutes // self.grain)

    def requirement(
        self,
        rule: str,
        subject: str,
        lhs: Expr,
        required: int,
        *,
        unit: str = "",
        scale: int = 1,
    ) -> None:
        """Post ``lhs >= required``; in relaxed mode allow a shortfall that marks it broken."""
        if not self.relax:
            self.model.add(lhs >= required)
            return
        broken = self.model.new_bool_var(f"broken_{rule}_{subject}")
        if unit:
            shortfall = self.model.new_int_var(0, required, f"short_{rule}_{subject}")
            self.model.add(shortfall + lhs >= required)
            self.model.add(shortfall <= required * broken)
            self.requirements.append(
                Requirement(rule, subject, required, unit, broken, shortfall, scale, required)
            )
        else:
            self.model.add(lhs >= required).only_enforce_if(~broken)
            # Dropping a programme slot or a staff pin is a bigger step than lifting a number
            # (opening hours, a contract cap), so the diagnosis prefers the latter.
            weight = 2 if rule in ("fixed_slots_stay", "pins_hold") else 1
            self.requirements.append(
                Requirement(rule, subject, required, unit, broken, None, 1, 0, weight)
            )

    def penalise(
        self, goal: str, coef: int, var: cp_model.IntVar, upper: int = 1, group: int | None = None
    ) -> None:
        if coef:
            self.penalties.append(Term(goal, coef, var, upper, group))

    def reward(self, goal: str, coef: int, var: cp_model.IntVar) -> None:
        if coef:
            self.rewards.append(Term(goal, coef, var, 1))
