"""Collection's writes, one module per topic: the cases the close opens and closes
(``cases``), the escalation ladder and its notices (``escalation``), contacts under the
conduct rules (``contacts``), promises to pay (``promises``), write-offs (``writeoffs``),
recoveries after write-off (``recoveries``, a maker-checker pair) and the training sandbox
(``sandbox``). Views, tasks and the close call them; every status change goes through
collection/workflow.py."""
