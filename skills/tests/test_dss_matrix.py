"""The matrix CSV reader: plain Python, no database."""

import pytest

from skills.dss_matrix import MatrixError, decode, parse_matrix


def test_parse_valid_matrix_keeps_line_numbers():
    rows = parse_matrix("role_code,skill_code,grade\nDS_PRO,DU04,a\n\nDS_PRO,DU05,B\n")
    assert [(r.line, r.role_code, r.skill_code, r.grade) for r in rows] == [
        (2, "DS_PRO", "DU04", "a"),
        (4, "DS_PRO", "DU05", "b"),
    ]


def test_columns_may_come_in_any_order_with_extra_columns():
    rows = parse_matrix("Grade,note,skill_code,role_code\nc,checked,TE01,SE_BACKEND\n")
    assert rows[0].role_code == "SE_BACKEND"
    assert rows[0].grade == "c"


def test_every_bad_row_is_reported_with_its_line():
    text = "role_code,skill_code,grade\nDS_PRO,DU04,x\n,DU05,a\nDS_PRO,DU06,a\nDS_PRO,DU06,b\nDS_PRO\n"
    with pytest.raises(MatrixError) as info:
        parse_matrix(text, source="m.csv")
    messages = [str(i) for i in info.value.issues]
    assert "line 2, field 'grade': 'x' is not one of a, b, c, d, z" in messages
    assert "line 3, field 'role_code': is empty" in messages
    assert "line 5, field 'skill_code': DS_PRO x DU06 is given twice (first on line 4)" in messages
    assert "line 6: has 1 cells; the header has 3" in messages
    assert "m.csv" in str(info.value)
    assert "nothing was changed" in str(info.value)


def test_missing_column_is_reported():
    with pytest.raises(MatrixError, match="header has no 'grade' column"):
        parse_matrix("role_code,skill_code\nDS_PRO,DU04\n")


def test_empty_file_and_header_only():
    with pytest.raises(MatrixError, match="empty"):
        parse_matrix("")
    with pytest.raises(MatrixError, match="no data rows"):
        parse_matrix("role_code,skill_code,grade\n")


def test_decode_accepts_utf8_bom_and_cp932():
    assert decode("\ufeffrole_code".encode(), "x") == "role_code"
    assert decode("備考".encode("cp932"), "x") == "備考"
    with pytest.raises(MatrixError, match="neither UTF-8 nor CP932"):
        decode(b"\xff\xfe\xfa\x80\x81", "x")
