"""The exchange format reader and writer: plain Python, no database."""

import csv
import io
import json

import pytest

from courses.catalog_format import (
    MAX_ROWS,
    CatalogFileError,
    Vocabulary,
    dump_csv,
    dump_json,
    load_records,
    parse_catalog,
)
from courses.tests.factories import catalog_json, course_record

VOCAB = Vocabulary(
    skill_codes=frozenset({"DU04", "DU05", "BT01"}),
    literacy_item_codes=frozenset({"L-WHY-1", "L-WHAT-D2"}),
    literacy_section_codes=frozenset({"WHY", "WHAT", "HOW", "MIND"}),
    prefecture_codes=frozenset(f"{n:02d}" for n in range(1, 48)),
)


def _issues(result):
    return [str(i) for i in result.issues]


def test_valid_json_parses():
    result = parse_catalog(catalog_json([course_record(1), course_record(2)]), filename="c.json", vocab=VOCAB)
    assert result.issues == []
    assert [r.code for r in result.rows] == ["T-001", "T-002"]
    assert result.rows[0].skills == [("DU04", 2)]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"level": 5}, "row 1 (T-001), field 'level': 5 is out of range: must be from 1 to 4"),
        ({"level": "2"}, "row 1 (T-001), field 'level': must be a whole number, got '2'"),
        ({"price_jpy": -1}, "row 1 (T-001), field 'price_jpy': -1 is out of range: must be from 0 to 10000000"),
        ({"hours": 0}, "row 1 (T-001), field 'hours': 0 must be greater than 0"),
        ({"hours": -3}, "row 1 (T-001), field 'hours': -3 must be greater than 0"),
        (
            {"format": "webinar"},
            "row 1 (T-001), field 'format': 'webinar' is not one of e-learning, live-online, classroom, blended",
        ),
        ({"language": "fr"}, "row 1 (T-001), field 'language': 'fr' is not one of ja, en"),
        (
            {"skills": [{"code": "XX99", "level": 2}]},
            "row 1 (T-001), field 'skills': 'XX99' is not a DSS skill item code",
        ),
        ({"skills": [{"code": "DU04", "level": 0}]}, "row 1 (T-001), field 'skills': level of DU04 must be 1-4, got 0"),
        (
            {"literacy": ["L-NOPE"]},
            "row 1 (T-001), field 'literacy': 'L-NOPE' is not a DSS literacy item or section code",
        ),
        ({"format": "classroom"}, "row 1 (T-001), field 'prefecture': is required for classroom courses"),
        (
            {"prefecture": "48", "format": "classroom"},
            "row 1 (T-001), field 'prefecture': '48' is not a prefecture code 01-47",
        ),
        ({"reskill_certified": "yes"}, "row 1 (T-001), field 'reskill_certified': must be true or false, got 'yes'"),
        ({"url": "ftp://x"}, "row 1 (T-001), field 'url': 'ftp://x' is not an http(s) address"),
        ({"title_ja": "", "title_en": ""}, "row 1 (T-001), field 'title_ja': give title_ja or title_en"),
        (
            {"code": "bad code!"},
            "row 1 (bad code!), field 'code': 'bad code!' must be 1-60 letters, digits, '.', '-' or '_'",
        ),
        ({"provider": ""}, "row 1 (T-001), field 'provider': is required"),
    ],
)
def test_each_bad_value_is_reported_with_row_and_field(override, expected):
    result = parse_catalog(catalog_json([course_record(1, **override)]), filename="c.json", vocab=VOCAB)
    assert result.rows == []
    assert expected in _issues(result)


def test_missing_and_unknown_keys():
    record = course_record(1)
    del record["hours"]
    record["colour"] = "red"
    result = parse_catalog(catalog_json([record]), filename="c.json", vocab=VOCAB)
    assert "row 1 (T-001), field 'hours': is missing" in _issues(result)
    assert "row 1 (T-001), field 'colour': unknown key" in _issues(result)


def test_skills_and_literacy_may_be_left_out():
    record = course_record(1)
    del record["skills"], record["literacy"]
    result = parse_catalog(catalog_json([record]), filename="c.json", vocab=VOCAB)
    assert result.issues == []
    assert result.rows[0].skills == []


def test_the_same_provider_and_code_twice_rejects_every_occurrence():
    records = [course_record(1), course_record(2), course_record(1, title_ja="別")]
    result = parse_catalog(catalog_json(records), filename="c.json", vocab=VOCAB)
    assert [r.code for r in result.rows] == ["T-002"]
    assert "row 1 (T-001), field 'code': 株式会社テストアカデミー / T-001 appears on rows 1, 3" in _issues(result)
    assert {i.row for i in result.issues} == {1, 3}


def _csv(records, encoding="utf-8"):
    rows = [
        {
            **r,
            "skills": ";".join(f"{s['code']}:{s['level']}" for s in r.get("skills", [])),
            "literacy": ";".join(r.get("literacy", [])),
        }
        for r in records
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(rows[0]))
    for row in rows:
        writer.writerow([str(v).lower() if isinstance(v, bool) else v for v in row.values()])
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_each_encoding(encoding):
    records = [
        course_record(
            1, literacy=["WHY", "L-WHAT-D2"], skills=[{"code": "DU04", "level": 2}, {"code": "BT01", "level": 1}]
        )
    ]
    result = parse_catalog(_csv(records, encoding), filename="c.csv", vocab=VOCAB)
    assert result.issues == []
    row = result.rows[0]
    assert row.title_ja == "データ分析講座 第1回"
    assert row.skills == [("DU04", 2), ("BT01", 1)]
    assert row.literacy == ["WHY", "L-WHAT-D2"]
    assert row.reskill_certified is False


def test_csv_line_numbers_and_cell_counts():
    data = _csv([course_record(1), course_record(2, level=9)]) + b"a,b\r\n"
    result = parse_catalog(data, filename="c.csv", vocab=VOCAB)
    assert "row 3 (T-002), field 'level': 9 is out of range: must be from 1 to 4" in _issues(result)
    assert "row 4: has 2 cells; the header has 17" in _issues(result)


def test_csv_header_problems_reject_the_file():
    data = b"provider,code,colour\r\nx,y,z\r\n"
    with pytest.raises(CatalogFileError) as info:
        parse_catalog(data, filename="c.csv", vocab=VOCAB)
    text = str(info.value)
    assert "field 'colour': unknown column" in text
    assert "field 'hours': missing column" in text


def test_undecodable_text_is_reported():
    with pytest.raises(CatalogFileError, match="neither UTF-8 nor CP932"):
        load_records(b"provider,code\r\n\xff\xfe\x80\x81", "c.csv")


def test_size_and_row_limits(monkeypatch):
    import courses.catalog_format as fmt

    monkeypatch.setattr(fmt, "MAX_BYTES", 100)
    with pytest.raises(CatalogFileError, match="the limit is 100"):
        load_records(b"x" * 101, "c.csv")
    monkeypatch.setattr(fmt, "MAX_BYTES", 10**9)
    monkeypatch.setattr(fmt, "MAX_ROWS", 2)
    with pytest.raises(CatalogFileError, match="the limit is 2"):
        load_records(catalog_json([course_record(n) for n in range(3)]), "c.json")
    assert MAX_ROWS == 50_000


def test_invalid_json_names_the_position():
    with pytest.raises(CatalogFileError, match=r"invalid JSON at line 1, column 2"):
        load_records(b"[x]", "c.json")
    with pytest.raises(CatalogFileError, match="must be a list"):
        load_records(b'{"a": 1}', "c.json")


def test_json_and_csv_dumps_read_back_identically():
    records = [
        course_record(1, hours=1.5, skills=[{"code": "DU05", "level": 3}], literacy=["WHY"]),
        course_record(2, title_en="", description_en="", skills=[]),
    ]
    rows = parse_catalog(catalog_json(records), filename="c.json", vocab=VOCAB).rows
    as_json = dump_json(rows)
    assert json.loads(as_json) == records
    as_csv = dump_csv(rows)
    assert as_csv.startswith("\ufeffprovider,code,")
    again = parse_catalog(as_csv.encode("utf-8"), filename="x.csv", vocab=VOCAB).rows
    assert dump_csv(again) == as_csv
    assert dump_json(again) == as_json


def test_a_clean_file_skips_the_per_field_text_scan_and_a_bad_one_still_names_row_and_field(monkeypatch):
    """The whole-file check lets clean files through at once; NUL and lone surrogates are still found per field."""
    import courses.catalog_format as catalog_format

    calls: list[object] = []

    def recording(value: object) -> list[tuple[str, str]]:
        calls.append(value)
        return []

    monkeypatch.setattr(catalog_format, "bad_text", recording)
    clean = parse_catalog(catalog_json([course_record(n) for n in range(1, 4)]), filename="c.json", vocab=VOCAB)
    assert len(clean.rows) == 3 and calls == []
    monkeypatch.undo()

    records = [course_record(1), course_record(2, title_en="emoji \U0001f600"), course_record(3, title_ja="x\x00y")]
    text = json.dumps(records, ensure_ascii=True)  # the NUL and the emoji as \u escapes
    assert "\\u0000" in text and "\\ud83d\\ude00" in text
    result = parse_catalog(text.encode(), filename="c.json", vocab=VOCAB)
    assert [r.row for r in result.rows] == [1, 2]  # a valid surrogate pair is not a problem
    assert [(i.row, i.field) for i in result.issues] == [(3, "title_ja")]

    out = io.StringIO()
    row = course_record(4, title_en="a\x00b", skills="", literacy="")
    writer = csv.writer(out)
    writer.writerow(list(row))
    writer.writerow([str(v) for v in row.values()])
    csv_result = parse_catalog(out.getvalue().encode(), filename="c.csv", vocab=VOCAB)
    assert [(i.row, i.field) for i in csv_result.issues] == [(2, "title_en")]
