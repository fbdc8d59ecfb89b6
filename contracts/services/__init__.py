"""Services of the contracts app: every change to contracts, milestones, messages and money."""
