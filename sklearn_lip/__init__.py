"""sklearn-lip."""
