"""The ways people reach policytag: the Flask app (`create_app`), the `policytag` CLI."""
