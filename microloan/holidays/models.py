"""A calendar day that is not what its weekday says: a public holiday on a weekday, or a
weekend day that is a make-up working day (调休). ``region`` empty means every branch; a
branch's ``region`` (microloan.Branch) picks its regional days, which win over the
nationwide day of the same date."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKING_DAY = "working_day", _("Make-up working day")


class Holiday(models.Model):
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(
        _("region"), max_length=40, blank=True, default="", help_text=_("Empty means every branch.")
    )

    class Meta:
        ordering = ["date", "region"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [models.UniqueConstraint(fields=["date", "region"], name="one_calendar_day_per_region")]

    def __str__(self) -> str:
        where = f" [{self.region}]" if self.region else ""
        return f"{self.date.isoformat()} {self.name}{where}"
