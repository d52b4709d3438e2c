"""The weekly Raumnutzungsplan inside the service: from bookings to a solver problem, runs in a
worker process, drafts staff adjust, and publishing. One module per concern:

* :mod:`.problem`: the centre's week as a :class:`solver.Problem` and the week's time
  arithmetic (local wall time ↔ UTC instants);
* :mod:`.runs`: a week run's lifecycle (queued, claimed by the worker, solved with progress,
  done or failed, handed back: ``booking.services.run_queue``, shared with the term's
  allocation runs) and staff's pins, moves and removals;
* :mod:`.stored`: the one typed reader of a stored run (problem, plan, id map);
* :mod:`.publish`: a draft written as the week's occurrences.

The solver (``solver/``) knows nothing of the database; this package is the edge that turns the
centre's week into a :class:`solver.Problem` (local wall time, string ids) and a plan back into
occurrences (UTC instants). What becomes what:

* dates of a published term's series in the week → ``group`` demands anchored at the
  series' slot, free to move within the group's allowed windows for this week only
  (``booking.services.week_series``); publishing writes a moved date as an exception of its
  series, never the series' pattern;
* confirmed occurrences of programme slots, confirmed rentals and plain group bookings in the
  week → ``fixed`` demands in their room (programme staffed unless its offer is Eigenregie;
  offers marked ``consultation`` count as Bürgersprechstunde);
* closures and NRW public holidays → closures;
* recurring requests that meet in the week → ``group`` demands, with last week's placement as
  the stability anchor; occurrences an earlier plan published for them are replaced;
* pending rentals in the week → ``rental`` demands (their room and time as asked);
* staff profiles → staff with availability and contract hours.

The run keeps the map from the solver's demand ids to the rows (``PlanRun.id_map``, read by
:func:`read_sources`); nothing parses a demand id. Publishing writes one transaction: the
term's dates moved, the week's earlier request placements cancelled and the new ones inserted,
placed rentals confirmed. The names below are the package's public face (the API, the pages,
the command line and the worker use them).
"""


from booking.services.planning.problem import GRAIN as GRAIN
from booking.services.planning.problem import HOUSE_CLOSE as HOUSE_CLOSE
from booking.services.planning.problem import HOUSE_OPEN as HOUSE_OPEN
from booking.services.planning.problem import build_problem as build_problem
from booking.services.planning.problem import instant as instant
from booking.services.planning.problem import parse_week as parse_week
from booking.services.planning.problem import request_meets_in_week as request_meets_in_week
from booking.services.planning.problem import week_span as week_span
from booking.services.planning.publish import publish as publish
from booking.services.planning.runs import DEFAULT_TIME_LIMIT as DEFAULT_TIME_LIMIT
from booking.services.planning.runs import MAX_TIME_LIMIT as MAX_TIME_LIMIT
from booking.services.planning.runs import adjust as adjust
from booking.services.planning.runs import claim_next as claim_next
from booking.services.planning.runs import execute as execute
from booking.services.planning.runs import get_run as get_run
from booking.services.planning.runs import hand_back as hand_back
from booking.services.planning.runs import list_runs as list_runs
from booking.services.planning.runs import queue_plan as queue_plan
from booking.services.planning.runs import release as release
from booking.services.planning.runs import resolve as resolve
from booking.services.planning.runs import worker_loop as worker_loop
from booking.services.planning.runs import worker_name as worker_name
from booking.services.planning.stored import Source as Source
from booking.services.planning.stored import StoredPlan as StoredPlan
from booking.services.planning.stored import read_plan as read_plan
from booking.services.planning.stored import read_sources as read_sources
from booking.services.planning.stored import read_stored as read_stored
