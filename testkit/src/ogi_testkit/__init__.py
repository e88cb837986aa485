"""ogi's test kit, kept out of the product package.

* ``synth`` — the report generator: known numbers rendered as real documents, the
  answer key the parser is scored against;
* ``sampleweb`` — the bundled web of agency sites on loopback, used by ``ogi demo``,
  the crawl tests and the benchmarks;
* ``synthetic_archive`` — large synthetic archives for the warehouse benchmarks.
"""
