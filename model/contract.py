"""What every entry point agrees on: the API's schemas, the CLI, the store and the taxonomy check these, and
the OpenAPI description states them, from this one place."""
from __future__ import annotations

import re

# A domain id: lower-case letters, digits and _, starting with a letter (used whole: "abc\n" is not an id).
DOMAIN_ID_PATTERN = "[a-z][a-z0-9_]{0,39}"
DOMAIN_ID = re.compile(DOMAIN_ID_PATTERN)
# The longest text a labelled example or a review-pool paragraph may hold.
MAX_EXAMPLE_CHARS = 20_000
# One threshold for every domain lies in (0, 1]: above 0 (a tag for every score is no threshold) and at most 1.
THRESHOLD_ABOVE, THRESHOLD_AT_MOST = 0.0, 1.0
