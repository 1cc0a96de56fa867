"""microloan.models: the branch tree."""

import pytest

from microloan.models import Branch

from .factories import BranchFactory


@pytest.mark.django_db
def test_branch_paths_follow_the_tree_and_moves():
    hq = BranchFactory()
    a = BranchFactory(parent=hq)
    a1 = BranchFactory(parent=a)
    b = BranchFactory(parent=hq)
    assert a1.path == f"/{hq.pk}/{a.pk}/{a1.pk}/"
    assert set(hq.subtree()) == {hq, a, a1, b}
    # moving a branch moves its subtree
    a.parent = b
    a.save()
    a1.refresh_from_db()
    assert a1.path == f"/{hq.pk}/{b.pk}/{a.pk}/{a1.pk}/"
    assert set(b.subtree()) == {b, a, a1}
    assert set(Branch.objects.filter(path__startswith=a.path)) == {a, a1}
