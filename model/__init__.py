"""Everything needed to tag text: reading documents, features, the Tagger, artefacts."""
