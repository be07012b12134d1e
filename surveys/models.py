"""surveys models."""
