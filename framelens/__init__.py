"""framelens core: settings, records, the store and the story/outlet registries.

collectors/ and analysis/ import this package; it imports neither of them.
"""

__version__ = "0.1.0"
