"""Turning documents and labels into models: bootstrap, taxonomy, store, training, registry."""
