"""Turn government-information-disclosure annual reports into research data."""
