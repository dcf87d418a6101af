"""End-to-end journeys in headless Chromium (Debian's package) against the product as `make run` starts it:
a fresh SQLite database set up by the same commands (migrate, load_dss, import the sample catalog, seed the
demo world), served by `manage.py runserver` in a subprocess.  Never downloads a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "dxpathways-demo"
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", ROOT / "build" / "screenshots"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web app with demo data, on the embedded defaults, in a subprocess (or E2E_BASE_URL, a server
    already running with the demo data, to iterate quickly)."""
    if os.environ.get("E2E_BASE_URL"):
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    folder = tmp_path_factory.mktemp("e2e")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL", "REDIS_URL"}
    }
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'e2e.sqlite3'}",
            "DJANGO_DEBUG": "true",
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (
        ["build_multilingual_model", "--if-missing"],  # the default model, as `make run` builds it
        ["migrate", "--no-input", "-v0"],
        ["load_dss"],
        ["import_catalog", "fixtures/sample_catalog.json", "--providers", "fixtures/sample_providers.json"],
        ["load_case_programs"],
        ["load_exam_map"],
        ["seed_demo"],
    ):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)  # noqa: S310 (our own local server)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError(f"the server did not start; see {folder / 'server.log'}")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Python Playwright is not installed (requirements-dev.txt)")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Session:
    """One person's browser context: language, viewport, console errors, screenshots and page checks."""

    def __init__(self, browser: Any, base: str, lang: str, viewport: tuple[int, int]) -> None:
        self.base, self.lang = base, lang
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale="ja-JP" if lang == "ja" else "en-US"
        )
        self.context.add_cookies([{"name": "dxp_language", "value": lang, "url": base}])
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # Generous: a shared two-core CI machine under load took over 20 s for an upload that infers
        # tags and for the national page; a failure waits longer, a pass is not slower.
        self.page.set_default_timeout(60_000)

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        return response

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}-{self.lang}.png"), full_page=True)
        self.page.screenshot(path=str(SHOTS / f"{name}-{self.lang}-top.png"))  # what the screen shows first

    def check_page(self) -> None:
        """Accessibility basics on the current page."""
        page = self.page
        assert page.locator("h1").count() == 1, f"{page.url}: one h1 expected"
        assert page.get_attribute("html", "lang") == self.lang, page.url
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
              .filter(e => !['hidden', 'submit', 'button'].includes(e.type))
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                           && !e.getAttribute('aria-labelledby'))
              .map(e => e.name || e.id)"""
        )
        assert unlabelled == [], f"{page.url}: fields without a label: {unlabelled}"
        no_alt = page.evaluate(
            """() => [...document.querySelectorAll('img:not([alt]), svg:not([aria-hidden="true"])')]
              .filter(e => e.tagName.toLowerCase() === 'img' || !(e.getAttribute('aria-label')
                           || e.querySelector('title') || e.getAttribute('aria-labelledby')))
              .map(e => e.outerHTML.slice(0, 80))"""
        )
        assert no_alt == [], f"{page.url}: images or charts without a text alternative: {no_alt}"
        # A form answered with its errors is a 400 page by design (Chromium logs the status as an error).
        errors = [e for e in self.errors if "status of 400 (Bad Request)" not in e]
        assert errors == [], f"{page.url}: console errors: {errors}"

    def check_focus_visible(self) -> None:
        self.page.keyboard.press("Tab")
        style = self.page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert style[0] != "none" and style[1] != "0px", f"keyboard focus is not visible: {style}"

    def login(self, username: str) -> None:
        self.go("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.locator("main form button[type=submit], main form input[type=submit]").first.click()
        self.page.wait_for_load_state()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session_for(browser: Any, live_url: str) -> Iterator[Any]:
    opened: list[Session] = []

    def make(lang: str, viewport: tuple[int, int] = (1280, 900)) -> Session:
        s = Session(browser, live_url, lang, viewport)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()
