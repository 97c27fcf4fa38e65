"""The implementation of :mod:`neuralnet.sklearn`, split by concern."""
