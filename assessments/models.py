"""assessments models."""
