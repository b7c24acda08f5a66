"""Items linked in pairs fall into groups named by their smallest member."""

from __future__ import annotations

import numpy as np

from image_classification.core.groups import group_ids


def test_groups_are_connected_components_named_by_smallest_member():
    edges = np.array([[3, 1], [1, 4], [5, 6]])
    assert list(group_ids(7, edges)) == [0, 1, 2, 1, 1, 5, 5]


def test_no_links_leave_every_item_its_own_group():
    assert list(group_ids(3, np.empty((0, 2)))) == [0, 1, 2]
