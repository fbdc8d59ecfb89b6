"""Settings package: base (shared), local (development), test, production; policy holds the rules."""
