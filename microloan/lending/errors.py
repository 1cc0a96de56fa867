"""The lending engine's one error: an input its rules cannot accept."""


class ScheduleError(ValueError):
    """An input the schedule rules cannot accept; ``field`` names the request field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
