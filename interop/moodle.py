"""Moodle competency frameworks (CSV for tool_lpimportcsv) and learning plan templates (plain Python).

The CSV has exactly the fourteen columns Moodle's framework importer reads, in its order
(admin/tool/lpimportcsv/classes/framework_importer.php, `list_required_headers`, with the English
header strings of lang/en/tool_lpimportcsv.php).  The framework row comes first (`Is framework` = 1);
each competency names its parent by `Parent ID number` (empty: top level).  A scale is given as its
items separated by commas (Moodle's `compact_items`, so an item may not contain a comma) and a scale
configuration as JSON: `[{"scaleid": …}, {"id": <1-based item>, "scaledefault": 0|1, "proficient": 0|1}, …]`;
the importer replaces the scale id by the scale it finds or creates for those items.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from common.csv_safe import csv_writer

HEADERS = [
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
]
FORMAT_PLAIN = "2"  # Moodle's FORMAT_PLAIN
SHORTNAME_MAX = 100  # Moodle shortens short names and ID numbers to 100 characters


@dataclass
class Competency:
    idnumber: str
    shortname: str
    description: str
    parent: str = ""
    proficient_from: int | None = None  # scale level (0-based) from which the competency is proficient


@dataclass
class Framework:
    idnumber: str
    shortname: str
    description: str
    scale: list[str]  # the labels of levels 0..n
    taxonomies: list[str]
    competencies: list[Competency] = field(default_factory=list)


def scale_values(labels: list[str]) -> str:
    """Moodle's compact scale: items joined by commas (a comma inside a label becomes '、')."""
    return ",".join(label.replace(",", "、").strip() for label in labels)


def scale_configuration(levels: int, *, default: int = 0, proficient_from: int) -> str:
    """JSON for a scale of `levels` items: the default item and the proficient ones (0-based input)."""
    config: list[dict[str, Any]] = [{"scaleid": ""}]
    for index in range(levels):
        config.append(
            {"id": index + 1, "scaledefault": int(index == default), "proficient": int(index >= proficient_from)}
        )
    return json.dumps(config, separators=(",", ":"))


def _short(text: str) -> str:
    return text if len(text) <= SHORTNAME_MAX else text[: SHORTNAME_MAX - 1] + "…"


def framework_rows(framework: Framework) -> list[list[str]]:
    """The rows of the CSV (without the header), framework first."""
    values = scale_values(framework.scale)
    top = len(framework.scale) - 1
    rows = [
        [
            "",
            _short(framework.idnumber),
            _short(framework.shortname),
            framework.description,
            FORMAT_PLAIN,
            values,
            scale_configuration(len(framework.scale), proficient_from=top),
            "",
            "",
            "",
            "",
            "",
            "1",
            ",".join(framework.taxonomies),
        ]
    ]
    for c in framework.competencies:
        scaled = c.proficient_from is not None
        rows.append(
            [
                c.parent,
                _short(c.idnumber),
                _short(c.shortname),
                c.description,
                FORMAT_PLAIN,
                values if scaled else "",
                scale_configuration(len(framework.scale), proficient_from=c.proficient_from or 0) if scaled else "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    return rows


def framework_csv(framework: Framework) -> str:
    """The CSV file tool_lpimportcsv imports (UTF-8, comma-separated, CRLF line ends)."""
    out = io.StringIO()
    writer = csv_writer(out)  # formula-like cells quoted (common/csv_safe.py)
    writer.writerow(HEADERS)
    writer.writerows(framework_rows(framework))
    return out.getvalue()


def learning_plan_template(
    *, shortname: str, description: str, framework_idnumber: str, competency_idnumbers: list[str], due_date: int = 0
) -> dict[str, Any]:
    """The arguments of Moodle's web service calls that create a learning plan template.

    `core_competency_create_template` takes `template`; then, for each competency, look its id up
    with `core_competency_list_competencies` (filter idnumber and competencyframeworkid) and call
    `core_competency_add_competency_to_template` with the new template id and that competency id.
    """
    return {
        "format": "dxpathways.moodle-template/1",
        "framework_idnumber": framework_idnumber,
        "core_competency_create_template": {
            "template": {
                "shortname": _short(shortname),
                "description": description,
                "descriptionformat": int(FORMAT_PLAIN),
                "duedate": due_date,
                "visible": 1,
                "contextlevel": "system",
                "instanceid": 0,
            }
        },
        "core_competency_add_competency_to_template": [
            {"templateid": None, "competencyid": None, "competency_idnumber": idnumber}
            for idnumber in competency_idnumbers
        ],
    }


# --- courses for Moodle's course upload (admin/tool/uploadcourse) ----------------------------

# The columns, in this order, are course fields tool_uploadcourse reads (its `shortname` is the key;
# `category` is the id of an existing Moodle course category; summaryformat 2 is FORMAT_PLAIN;
# dates are read with strtotime, so YYYY-MM-DD).  Columns left out (lang, tags, ...) keep
# Moodle's defaults; `lang` is not sent because it must name a language pack installed there.
COURSE_UPLOAD_HEADERS = [
    "shortname",
    "fullname",
    "category",
    "idnumber",
    "summary",
    "summaryformat",
    "format",
    "visible",
    "startdate",
    "enddate",
]
FULLNAME_MAX = 254  # Moodle's course fullname column


@dataclass
class UploadCourse:
    shortname: str
    fullname: str
    idnumber: str
    summary: str
    startdate: str = ""
    enddate: str = ""


def course_upload_csv(courses: list[UploadCourse], *, category: int) -> str:
    """The CSV Moodle's "Upload courses" (tool_uploadcourse) reads: UTF-8, comma-separated."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")  # formula-like cells quoted (common/csv_safe.py)
    writer.writerow(COURSE_UPLOAD_HEADERS)
    for course in courses:
        writer.writerow(
            [
                course.shortname[:SHORTNAME_MAX],
                course.fullname[:FULLNAME_MAX],
                str(category),
                course.idnumber[:SHORTNAME_MAX],
                course.summary,
                FORMAT_PLAIN,
                "topics",
                "1",
                course.startdate,
                course.enddate,
            ]
        )
    return out.getvalue()
