"""What the servicing API modules share."""

MONEY = {"max_digits": 18, "decimal_places": 2}
