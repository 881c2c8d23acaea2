"""Printable outputs: the premises evidence report (HTML, PDF, CSV).

No web framework here: the API and the CLI hand these functions a check's result.
"""
