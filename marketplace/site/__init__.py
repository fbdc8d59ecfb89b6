"""The site: root URLs, dashboard, welcome and policy pages, the demo (the top layer)."""
