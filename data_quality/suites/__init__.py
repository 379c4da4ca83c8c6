"""One module per checked table, each exposing ``TABLE`` and ``expectations()``."""
