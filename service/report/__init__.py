"""`policytag report` and POST /v1/report: a collection of tagged documents as a heatmap, group charts and tables."""
