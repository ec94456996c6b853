"""Batch floor: the command line, the runner of notebooks, kernels, HTML rendering, the index page,
Excel workbooks and the interactive explorer.

The top floor: may use every floor below it.
"""
