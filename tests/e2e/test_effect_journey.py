"""Issue 24 item 3 in a real browser: a learner finds a course in the catalog, reads what learners who finished
it reached (measured effectiveness, from the demo world's completers with later assessments), and follows the
provider's name to its list with the provider's aggregate.  Screenshots go to build/screenshots/."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

SENTENCE = {
    "en": re.compile(r"Learners who finished this reached level \d\.\d on DU\d\d on average, n=\d+"),
    "ja": re.compile(r"この講座の修了者は DU\d\d で平均レベル \d\.\d に到達しました（n=\d+"),
}
AGGREGATE = {"en": "Measured effectiveness of this provider's courses", "ja": "この提供者の講座の実測効果"}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_learner_reads_a_courses_measured_effectiveness_and_its_providers_aggregate(session_for, lang):
    s = session_for(lang)
    page = s.page
    s.login("learner01")
    s.go("/courses/")
    # The demo's course measured below its claim (DSD-AI-220, portal/effect_demo.py); search does not match codes.
    page.fill("input[name=q]", "生成AI時代のデータ分析")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r".*[?&]q="))
    page.locator("article.course h3 a").first.click()
    page.wait_for_url(re.compile(r".*/courses/\d+/"))
    section = page.locator("ul.measured")
    text = section.inner_text()
    assert SENTENCE[lang].search(text), text
    reached = re.search(r"\d\.\d", text)
    assert reached is not None and float(reached.group()) < 2.0, text  # less than the level 2 it claims
    s.check_page()
    s.shot("course-measured")

    page.locator("p.crumbs a").nth(1).click()  # the provider's name: its list
    page.wait_for_url(re.compile(r".*/courses/\?provider=\d+"))
    aggregate = page.locator("section.provider-effect")
    assert AGGREGATE[lang] in aggregate.inner_text()
    assert page.locator("article.course").count() >= 2
    s.check_page()
    s.shot("provider-measured")
