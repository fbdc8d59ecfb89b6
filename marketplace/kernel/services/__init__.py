"""Marketplace-wide services: the record and notifications."""
