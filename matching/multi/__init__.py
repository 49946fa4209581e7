"""k > 1: a tighter bound than the flow relaxation, and an exact neighbourhood search.

The flow relaxation lets a project that needs k units take fewer. Prices on every resource's
capacity and every unit's load split the problem into one small problem per project, solved
exactly (its k best distinct units, all or none): an upper bound on every plan, much tighter
than the flow's. Where the plan earns less than those prices say it could, neighbourhoods of
units are re-planned exactly as a MIP with the rest of the plan fixed. ``matching.solve``
calls ``lagrangian_bound`` on the flow's dual prices, then ``polish`` at the prices it returns.
Both are deterministic: the same input gives the same bound and the same plan.

Where things live (each module imports only from those above it in this list):

* ``bound``: the priced bound ``L(pi, mu)`` and why it is one; ``lagrangian_bound`` (the
  subgradient steps from the flow's prices) returning ``Priced``, and ``_Lagrangian``, which
  evaluates L and its subgradient per project at given prices;
* ``mip``: the exact MIP on one neighbourhood (HiGHS through OR-Tools' model builder): its
  project, resource and unit rows, the LP tried before the MIP;
* ``neighbourhoods``: ``polish`` returning ``Polished``: each project's loss at the bound's
  prices, neighbourhoods grown from the largest losses, re-planned by ``mip`` and kept when
  better.
"""

from .bound import Priced, lagrangian_bound
from .neighbourhoods import Polished, polish

__all__ = ["Polished", "Priced", "lagrangian_bound", "polish"]
