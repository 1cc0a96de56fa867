"""The kernel. The Celery app is loaded when Django starts (``KernelConfig.ready``) or when a
worker names it (``celery -A microloan``), not on import: ``microloan.lending`` must import
without Django."""


def __getattr__(name: str):
    if name == "celery_app":
        from .celery import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ("celery_app",)
