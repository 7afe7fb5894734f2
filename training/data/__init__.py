"""Labelled data: the taxonomy, the heading bootstrap, the example store and importing labelled files."""
