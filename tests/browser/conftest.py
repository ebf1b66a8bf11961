"""A real server (uvicorn, a free 127.0.0.1 port, temporary SQLite) and Debian's Chromium via Playwright."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, ViewportSize, sync_playwright

from homebound.config import Settings
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.publication import FIGURE_KEYS, publish_registry_counts
from homebound.web.app import create_app
from tests.browser.seed import seed_registries
from tests.exchange_support import Registries
from tests.exchange_support import seed_registries as seed_exchange_registries
from tests.keys import key_custody_of_tests
from tests.world import World, build_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Committed screenshots are rewritten only on request, so an ordinary test run leaves the tree clean.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("HOMEBOUND_UPDATE_SCREENSHOTS") == "1"
WIDE: ViewportSize = {"width": 1280, "height": 900}
TABLET: ViewportSize = {"width": 768, "height": 1024}


@dataclass
class LiveServer:
    base_url: str
    uows: UnitOfWorkFactory
    world: World


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server on its own temporary database, seeded with the world and the UI's registries."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'homebound.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, key_custody_of_tests())
    world = build_world(uows)
    seed_registries(uows, world, dt.date.today())
    for admin, party in (("a_admin", "pa"), ("b_admin", "pb")):  # the public ledger shows published counts
        publish_registry_counts(uows, world.actors[admin], party, FIGURE_KEYS)
    # A few synthetic records per status: shown exactly, not suppressed as they would be by default.
    app = create_app(Settings(environment="test", database_url=url, public_min_count=1))
    port = _free_port()
    # No websockets: the UI does not use them, and their import would only bring deprecation noise.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", uows, world)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="module")
def eligible(live_server: LiveServer) -> Registries:
    """Records with confirmed identities and will-to-return interviews on both sides, ready to compose. The
    exchange modules run on a server of their own (`serve`), so these records never reach the registry pages
    the other modules count."""
    return seed_exchange_registries(live_server.uows, live_server.world, held_a=16, held_b=16, seed=11)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        missing = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):  # .ci/run installs it: under CI its absence is a failure, never a skip
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Tab:
    """A browser context (own cookies) and its page; collects console errors (CSP reports) and page errors."""

    page: Page
    base_url: str
    screenshots: Path
    problems: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def shot(self, name: str) -> None:
        self.screenshots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)


OpenTab = Callable[..., Tab]


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return DOCS_SCREENSHOTS if UPDATE_SCREENSHOTS else tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def open_tab(chromium: Browser, live_server: LiveServer, screenshots: Path) -> Iterator[OpenTab]:
    """A factory: open_tab() gives a fresh browser context, as a new person at another desk would have."""
    contexts = []
    tabs: list[Tab] = []

    def open_one(viewport: ViewportSize | None = None, locale: str = "en-GB") -> Tab:
        context = chromium.new_context(
            viewport=viewport or WIDE, locale=locale, base_url=live_server.base_url
        )
        contexts.append(context)
        tab = Tab(context.new_page(), live_server.base_url, screenshots)

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                tab.problems.append(message.text)

        tab.page.on("console", on_console)
        tab.page.on("pageerror", lambda error: tab.problems.append(str(error)))
        tabs.append(tab)
        return tab

    yield open_one
    for context in contexts:
        context.close()
    # Expected HTTP errors (403/422 pages) show as "Failed to load resource"; anything else is a real problem.
    problems = [p for tab in tabs for p in tab.problems if "Failed to load resource" not in p]
    assert problems == [], problems
