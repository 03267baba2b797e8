"""framelens analysis: sentences, embeddings, detectors, quotes, syndication, clusters, words.

Kept light on purpose: the dashboard imports analysis.charts/words, so nothing here may
import torch; only analysis.embed does, lazily.
"""
