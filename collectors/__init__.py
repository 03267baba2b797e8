"""Collectors: sources, the one door to the network, extraction, normalise and dedup."""
