"""`python -m ruleproof`: the same as the `ruleproof` command."""

import sys

from ruleproof.main import main

sys.exit(main())
