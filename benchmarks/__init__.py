"""Benchmarks of sklearn-lip: ``python -m benchmarks.run --quick`` runs them all."""
