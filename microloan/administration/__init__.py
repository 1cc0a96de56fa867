"""Administration (#14 point 1): the ``admin`` role's screens, in the product's own pages (not
the Django admin), for what configures the installation. Every change is a configuration
change (``microloan.config``): proposed here, shown as a diff, applied by another
administrator, audited. The kernel's own kinds live here (``kinds``: a branch of the tree, a
staff member); the apps' screens sit beside their kinds (``applications/admin_views.py``:
products; ``underwriting/admin_views.py``: authority limits, the committee, approval limits,
scorecard drafts), the kernel importing none of them.
"""
