"""Scenario data, one module per area; outputs exactly as the real tools print them."""
