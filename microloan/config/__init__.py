"""Configuration changes as a maker-checker pair (#11 point 2): every change of a product, an
authority limit, the committee, the scorecard, a user's approval limit or a policy setting
is proposed by one administrator and applied (or rejected) by another.

- ``models``: ``ConfigChange`` (the proposal, its before snapshot and what the apply wrote)
  and ``PolicyOverride`` (a policy setting changed through a proposal, read by
  ``microloan.policy``);
- ``registry``: the kinds of configuration; each app registers its own from its
  ``AppConfig.ready`` (``<app>/configkinds.py``), so the kernel imports no app;
- ``workflow``: the ``config_change`` transition table (four eyes: ``not_by`` propose);
- ``services``: propose, apply, reject, withdraw; ``selectors``: the lists;
- ``admin``: the Django admin's mixin that proposes instead of saving;
- ``api`` and ``views``: ``/api/v1/config-changes/`` and ``/config/...``.
"""
