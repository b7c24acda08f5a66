"""Groups of items linked in pairs: duplicate groups, and the split's twin sets."""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def group_ids(count: int, edges: np.ndarray) -> np.ndarray:
    """Connected components of a graph given as ``(edges, 2)`` index pairs, each node
    named by the smallest index in its component (scipy finds the components)."""
    edges = edges.astype(int).reshape(-1, 2)
    links = coo_matrix(
        (np.ones(len(edges), bool), (edges[:, 0], edges[:, 1])), shape=(count, count)
    )
    _, component = connected_components(links, directed=False)
    smallest = np.full(component.max(initial=-1) + 1, count)
    np.minimum.at(smallest, component, np.arange(count))
    return smallest[component]
