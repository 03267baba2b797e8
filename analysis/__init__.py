"""framelens analysis: sentences, embeddings, detectors, quotes, syndication, clusters, words.

Kept light on purpose: the dashboard imports analysis.words (and presentation/ sits beside it), so nothing here may
import torch; only analysis.embed does, lazily.
"""
