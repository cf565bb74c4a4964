"""ruleproof's checker: the policy language's front end, its IR and the two back ends."""
