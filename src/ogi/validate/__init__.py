"""Every named check of ogi, in one stage (names, severities and meanings: data/checks.csv).

- :mod:`ogi.validate.checks`: the one :class:`Issue` type and the catalogue.
- :mod:`ogi.validate.document`: document-level checks (nothing could be read).
- :mod:`ogi.validate.report`: report-level checks (reading problems, year mismatch).
- :mod:`ogi.validate.identities`: the format's own arithmetic within one report.
- :mod:`ogi.validate.cross_year`: agency-level checks across years and the registry.
- :mod:`ogi.validate.sql`: the identities as SQL views, to re-check a built warehouse.

The stages call these functions; none of them decides a check's name or severity itself.
"""
