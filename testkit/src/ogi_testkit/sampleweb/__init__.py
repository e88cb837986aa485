"""A local web of agency sites for tests, the demo and the benchmark (``ogi sample-web``).

``sites.py`` describes the agencies and their site families; ``build.py`` makes
the committed documents with ``ogi_testkit.synth``; ``server.py`` serves them on loopback
addresses, one host per agency.
"""
