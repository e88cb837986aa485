"""A real Prefect server for tests: ``prefect server start`` on a free loopback port, as
``ogi ui`` starts it, with ``PREFECT_HOME`` in a temporary folder. One per test module.

Import the fixture into a test module (``from tests.prefect_server import server_fixture  #
noqa: F401``); its tests then take a ``server`` argument, an
:class:`ogi.orchestrate.server.LocalServer`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ogi.orchestrate.server import LocalServer, is_healthy, running_server


@pytest.fixture(scope="module", name="server")
def server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    home = tmp_path_factory.mktemp("server")
    with running_server(home) as srv:
        yield srv
    assert not is_healthy(srv.address)  # stopped with the fixture
