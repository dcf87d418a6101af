"""Strict validation of xAPI 1.0.3 statements: the MUST rules of the data model (plain Python).

`statement_problems(statement)` lists every problem as "path: message" ([] = valid).  What an LRS
must reject (xAPI 1.0.3, part 2 "Data", section 2): unknown properties, null values, a missing or
wrong-typed required property, ids that are not UUIDs, IRIs that are not absolute, an Agent
without exactly one inverse functional identifier, a Group mixing groups into its members, a
SubStatement inside a SubStatement or with id/stored/version/authority, scores out of range,
durations and timestamps outside ISO 8601, language maps with keys that are not RFC 5646 tags,
`context.revision`/`platform` when the object is not an Activity, a voiding statement whose object
is not a StatementRef, an attachment without its `fileUrl` (multipart bodies are not supported).
"""

from __future__ import annotations

import re
from typing import Any

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+$")
MBOX_RE = re.compile(r"^mailto:[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$")
BAD_TEXT_RE = re.compile(r"[\x00\ud800-\udfff]")  # NUL and lone surrogates: not storable text
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
LANG_RE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
TIMESTAMP_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$",
)
DURATION_RE = re.compile(
    r"^P(\d+(\.\d+)?W|(?=\d|T\d)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?)$"
)  # weeks stand alone (P4W), never with other parts (ISO 8601)
VERSION_RE = re.compile(r"^1\.0(\.\d+)?$")
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


class _Check:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def obj(self, value: Any, path: str, allowed: set[str], required: set[str] | frozenset[str] = frozenset()) -> bool:
        if not isinstance(value, dict):
            self.add(path or "statement", "must be an object")
            return False
        for key in sorted(set(value) - allowed, key=str):
            self.add(_join(path, key), "unknown property")
        for key in sorted(required - set(value)):
            self.add(_join(path, key), "required")
        for key, item in value.items():
            if item is None and key in allowed:
                self.add(_join(path, key), "must not be null")
        return True

    def string(self, value: Any, path: str) -> None:
        if value is not None and not isinstance(value, str):
            self.add(path, "must be a string")

    def boolean(self, value: Any, path: str) -> None:
        if value is not None and not isinstance(value, bool):
            self.add(path, "must be true or false")

    def iri(self, value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not IRI_RE.match(value):
            self.add(path, "must be an absolute IRI")

    def uuid(self, value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not UUID_RE.match(value):
            self.add(path, "must be a UUID (RFC 4122, 8-4-4-4-12 hexadecimal digits)")

    def timestamp(self, value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not TIMESTAMP_RE.match(value):
            self.add(path, "must be an ISO 8601 timestamp")
        elif value.endswith("-00:00") or value.endswith("-0000"):
            self.add(path, "an offset of -00:00 is not allowed")

    def language_map(self, value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.add(path, "must be a language map (object)")
            return
        for tag, text in value.items():
            if not LANG_RE.match(tag):
                self.add(f"{path}.{tag}", "not an RFC 5646 language tag")
            if not isinstance(text, str):
                self.add(f"{path}.{tag}", "must be a string")

    def extensions(self, value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.add(path, "must be an object")
            return
        for key in value:
            self.iri(key, f"{path}[{key!r}]")

    # --- actors --------------------------------------------------------------------------

    def agent(self, value: Any, path: str, *, identified: bool = True) -> None:
        if not self.obj(value, path, {"objectType", "name", *IFIS}):
            return
        if value.get("objectType", "Agent") != "Agent":
            self.add(f"{path}.objectType", "must be Agent")
        self.string(value.get("name"), f"{path}.name")
        self._ifi(value, path, required=identified)

    def _ifi(self, value: dict[str, Any], path: str, *, required: bool) -> None:
        present = [k for k in IFIS if k in value]
        if len(present) > 1:
            self.add(path, f"exactly one inverse functional identifier is allowed ({', '.join(present)})")
        elif required and not present:
            self.add(path, "an inverse functional identifier (mbox, mbox_sha1sum, openid or account) is required")
        if "mbox" in value and (not isinstance(value["mbox"], str) or not MBOX_RE.match(value["mbox"])):
            self.add(f"{path}.mbox", "must be a mailto: IRI")
        if "mbox_sha1sum" in value and (
            not isinstance(value["mbox_sha1sum"], str) or not SHA1_RE.match(value["mbox_sha1sum"])
        ):
            self.add(f"{path}.mbox_sha1sum", "must be 40 hexadecimal digits")
        if "openid" in value:
            self.iri(value["openid"], f"{path}.openid")
        if "account" in value:
            account = value["account"]
            if self.obj(account, f"{path}.account", {"homePage", "name"}, {"homePage", "name"}):
                self.iri(account.get("homePage"), f"{path}.account.homePage")
                self.string(account.get("name"), f"{path}.account.name")

    def group(self, value: Any, path: str) -> None:
        if not self.obj(value, path, {"objectType", "name", "member", *IFIS}, {"objectType"}):
            return
        if value.get("objectType") != "Group":
            self.add(f"{path}.objectType", "must be Group")
        self.string(value.get("name"), f"{path}.name")
        identified = any(k in value for k in IFIS)
        self._ifi(value, path, required=False)
        members = value.get("member")
        if members is None:
            if not identified:
                self.add(f"{path}.member", "an anonymous group must list its members")
            return
        if not isinstance(members, list):
            self.add(f"{path}.member", "must be an array")
            return
        if not identified and not members:
            self.add(f"{path}.member", "an anonymous group must list its members")
        for index, member in enumerate(members):
            if isinstance(member, dict) and member.get("objectType") == "Group":
                self.add(f"{path}.member[{index}]", "a group's members are agents, not groups")
            else:
                self.agent(member, f"{path}.member[{index}]")

    def actor(self, value: Any, path: str) -> None:
        if isinstance(value, dict) and value.get("objectType") == "Group":
            self.group(value, path)
        else:
            self.agent(value, path)

    # --- verb, objects ------------------------------------------------------------------

    def verb(self, value: Any, path: str) -> None:
        if self.obj(value, path, {"id", "display"}, {"id"}):
            self.iri(value.get("id"), f"{path}.id")
            self.language_map(value.get("display"), f"{path}.display")

    def activity(self, value: Any, path: str) -> None:
        if not self.obj(value, path, {"objectType", "id", "definition"}, {"id"}):
            return
        if value.get("objectType", "Activity") != "Activity":
            self.add(f"{path}.objectType", "must be Activity")
        self.iri(value.get("id"), f"{path}.id")
        definition = value.get("definition")
        allowed = {
            "name",
            "description",
            "type",
            "moreInfo",
            "extensions",
            "interactionType",
            "correctResponsesPattern",
            "choices",
            "scale",
            "source",
            "target",
            "steps",
        }
        if definition is None or not self.obj(definition, f"{path}.definition", allowed):
            return
        p = f"{path}.definition"
        self.language_map(definition.get("name"), f"{p}.name")
        self.language_map(definition.get("description"), f"{p}.description")
        self.iri(definition.get("type"), f"{p}.type")
        self.iri(definition.get("moreInfo"), f"{p}.moreInfo")
        self.extensions(definition.get("extensions"), f"{p}.extensions")
        interaction = definition.get("interactionType")
        if interaction is not None and (not isinstance(interaction, str) or interaction not in INTERACTION_TYPES):
            self.add(f"{p}.interactionType", f"must be one of {', '.join(sorted(INTERACTION_TYPES))}")
        pattern = definition.get("correctResponsesPattern")
        if pattern is not None and (not isinstance(pattern, list) or not all(isinstance(x, str) for x in pattern)):
            self.add(f"{p}.correctResponsesPattern", "must be an array of strings")
        components = [k for k in ("choices", "scale", "source", "target", "steps") if k in definition]
        if (components or pattern is not None) and interaction is None:
            self.add(f"{p}.interactionType", "required with interaction components")
        for key in components:
            items = definition[key]
            if not isinstance(items, list):
                self.add(f"{p}.{key}", "must be an array")
                continue
            seen: set[str] = set()
            for index, item in enumerate(items):
                if self.obj(item, f"{p}.{key}[{index}]", {"id", "description"}, {"id"}):
                    self.string(item.get("id"), f"{p}.{key}[{index}].id")
                    self.language_map(item.get("description"), f"{p}.{key}[{index}].description")
                    if isinstance(item.get("id"), str):
                        if item["id"] in seen:
                            self.add(f"{p}.{key}[{index}].id", "ids of interaction components must be distinct")
                        seen.add(item["id"])

    def statement_ref(self, value: Any, path: str) -> None:
        if self.obj(value, path, {"objectType", "id"}, {"objectType", "id"}):
            if value.get("objectType") != "StatementRef":
                self.add(f"{path}.objectType", "must be StatementRef")
            self.uuid(value.get("id"), f"{path}.id")

    def object(self, value: Any, path: str, *, in_sub: bool) -> None:
        kind = value.get("objectType", "Activity") if isinstance(value, dict) else None
        if kind == "Agent":
            self.agent(value, path)
        elif kind == "Group":
            self.group(value, path)
        elif kind == "StatementRef":
            self.statement_ref(value, path)
        elif kind == "SubStatement":
            if in_sub:
                self.add(f"{path}.objectType", "a SubStatement cannot hold a SubStatement")
            else:
                self.statement(value, path, sub=True)
        elif kind == "Activity":
            self.activity(value, path)
        elif isinstance(value, dict):
            self.add(f"{path}.objectType", f"unknown object type {kind!r}")
        else:
            self.add(path, "must be an object")

    # --- result, context, attachments -----------------------------------------------------

    def result(self, value: Any, path: str) -> None:
        if not self.obj(value, path, {"score", "success", "completion", "response", "duration", "extensions"}):
            return
        score = value.get("score")
        if score is not None and self.obj(score, f"{path}.score", {"scaled", "raw", "min", "max"}):
            numbers = {}
            for key in ("scaled", "raw", "min", "max"):
                number = score.get(key)
                if number is None:
                    continue
                if isinstance(number, bool) or not isinstance(number, int | float):
                    self.add(f"{path}.score.{key}", "must be a number")
                else:
                    numbers[key] = number
            if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
                self.add(f"{path}.score.scaled", "must be between -1 and 1")
            if "min" in numbers and "max" in numbers and numbers["min"] >= numbers["max"]:
                self.add(f"{path}.score.min", "must be less than max")
            if "raw" in numbers and "min" in numbers and numbers["raw"] < numbers["min"]:
                self.add(f"{path}.score.raw", "must not be less than min")
            if "raw" in numbers and "max" in numbers and numbers["raw"] > numbers["max"]:
                self.add(f"{path}.score.raw", "must not be more than max")
        self.boolean(value.get("success"), f"{path}.success")
        self.boolean(value.get("completion"), f"{path}.completion")
        self.string(value.get("response"), f"{path}.response")
        duration = value.get("duration")
        if duration is not None and (not isinstance(duration, str) or not DURATION_RE.match(duration)):
            self.add(f"{path}.duration", "must be an ISO 8601 duration")
        self.extensions(value.get("extensions"), f"{path}.extensions")

    def context(self, value: Any, path: str, *, object_kind: str) -> None:
        allowed = {
            "registration",
            "instructor",
            "team",
            "contextActivities",
            "revision",
            "platform",
            "language",
            "statement",
            "extensions",
        }
        if not self.obj(value, path, allowed):
            return
        self.uuid(value.get("registration"), f"{path}.registration")
        if "instructor" in value:
            self.actor(value["instructor"], f"{path}.instructor")
        if "team" in value:
            team = value["team"]
            if not isinstance(team, dict) or team.get("objectType") != "Group":
                self.add(f"{path}.team", "must be a Group")
            else:
                self.group(team, f"{path}.team")
        activities = value.get("contextActivities")
        if activities is not None and self.obj(
            activities, f"{path}.contextActivities", {"parent", "grouping", "category", "other"}
        ):
            for key, items in activities.items():
                for index, item in enumerate(items if isinstance(items, list) else [items]):
                    self.activity(item, f"{path}.contextActivities.{key}[{index}]")
        for key in ("revision", "platform"):
            self.string(value.get(key), f"{path}.{key}")
            if key in value and object_kind != "Activity":
                self.add(f"{path}.{key}", "only allowed when the object is an Activity")
        language = value.get("language")
        if language is not None and (not isinstance(language, str) or not LANG_RE.match(language)):
            self.add(f"{path}.language", "not an RFC 5646 language tag")
        if "statement" in value:
            self.statement_ref(value["statement"], f"{path}.statement")
        self.extensions(value.get("extensions"), f"{path}.extensions")

    def attachments(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.add(path, "must be an array")
            return
        allowed = {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
        for index, item in enumerate(value):
            p = f"{path}[{index}]"
            if not self.obj(item, p, allowed, {"usageType", "display", "contentType", "length", "sha2"}):
                continue
            self.iri(item.get("usageType"), f"{p}.usageType")
            self.language_map(item.get("display"), f"{p}.display")
            self.language_map(item.get("description"), f"{p}.description")
            self.string(item.get("contentType"), f"{p}.contentType")
            self.string(item.get("sha2"), f"{p}.sha2")
            length = item.get("length")
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                self.add(f"{p}.length", "must be a non-negative integer")
            if "fileUrl" not in item:
                self.add(f"{p}.fileUrl", "required: attachment data in multipart bodies is not supported here")
            else:
                self.iri(item.get("fileUrl"), f"{p}.fileUrl")

    # --- the statement --------------------------------------------------------------------

    def statement(self, value: Any, path: str, *, sub: bool = False) -> None:
        allowed = {"actor", "verb", "object", "result", "context", "timestamp", "attachments"}
        if sub:
            allowed.add("objectType")
        else:
            allowed |= {"id", "stored", "authority", "version"}
        if not self.obj(value, path, allowed, {"actor", "verb", "object"}):
            return
        prefix = f"{path}." if path else ""
        if not sub:
            self.uuid(value.get("id"), f"{prefix}id")
            version = value.get("version")
            if version is not None and (not isinstance(version, str) or not VERSION_RE.match(version)):
                self.add(f"{prefix}version", "must be 1.0.x")
            self.timestamp(value.get("stored"), f"{prefix}stored")
            if "authority" in value:
                authority = value["authority"]
                if isinstance(authority, dict) and authority.get("objectType") == "Group":
                    # OAuth 3-legged: an anonymous group of exactly two agents (the app and the user)
                    members = authority.get("member")
                    if any(k in authority for k in IFIS) or not isinstance(members, list) or len(members) != 2:
                        self.add(f"{prefix}authority", "a Group authority must be anonymous with exactly 2 agents")
                    else:
                        self.group(authority, f"{prefix}authority")
                else:
                    self.agent(authority, f"{prefix}authority")
        if "actor" in value:
            self.actor(value["actor"], f"{prefix}actor")
        if "verb" in value:
            self.verb(value["verb"], f"{prefix}verb")
        target = value.get("object")
        if "object" in value:
            self.object(target, f"{prefix}object", in_sub=sub)
        object_kind = target.get("objectType", "Activity") if isinstance(target, dict) else ""
        verb_id = value["verb"].get("id") if isinstance(value.get("verb"), dict) else None
        if verb_id == VOIDED and object_kind != "StatementRef":
            self.add(f"{prefix}object", "a voiding statement's object must be a StatementRef")
        if "result" in value:
            self.result(value["result"], f"{prefix}result")
        if "context" in value:
            self.context(value["context"], f"{prefix}context", object_kind=object_kind)
        self.timestamp(value.get("timestamp"), f"{prefix}timestamp")
        if "attachments" in value:
            self.attachments(value["attachments"], f"{prefix}attachments")


def _text_problems(value: Any, path: str, out: list[str], depth: int = 0) -> None:
    """NUL characters and lone surrogates anywhere (values and names), and nesting beyond 64 levels."""
    if depth > 64:
        out.append(f"{path or 'statement'}: nested too deeply")
        return
    if isinstance(value, str):
        if BAD_TEXT_RE.search(value):
            out.append(f"{path or 'statement'}: NUL characters and lone surrogates are not allowed")
    elif isinstance(value, dict):
        for key, item in value.items():
            if BAD_TEXT_RE.search(str(key)):
                out.append(f"{path or 'statement'}: a property name holds NUL or a lone surrogate")
            _text_problems(item, _join(path, str(key)), out, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _text_problems(item, f"{path}[{index}]", out, depth + 1)
    elif isinstance(value, float) and value != value:  # NaN cannot come from JSON, but be sure
        out.append(f"{path}: not a number")


def statement_problems(statement: Any) -> list[str]:
    """Every MUST-rule problem of one statement, as "path: message" ([] = valid)."""
    check = _Check()
    _text_problems(statement, "", check.problems)
    if check.problems:
        return check.problems
    check.statement(statement, "")
    return check.problems


# --- what the LRS does with valid statements ------------------------------------------------


def normalized(statement: dict[str, Any]) -> dict[str, Any]:
    """The stored form's shape: each contextActivities value an array (xAPI 2.4.6.2), also in a SubStatement."""
    out = dict(statement)
    context = out.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        activities = {k: v if isinstance(v, list) else [v] for k, v in context["contextActivities"].items()}
        out["context"] = {**context, "contextActivities": activities}
    target = out.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        out["object"] = normalized(target)
    return out


def xapi_ifi(agent: dict[str, Any]) -> tuple[str, str] | None:
    """The inverse functional identifier of an Agent or Group, comparable: (kind, value)."""
    for kind in IFIS:
        if kind in agent:
            value = agent[kind]
            if kind == "account" and isinstance(value, dict):
                return kind, f"{value.get('homePage')}|{value.get('name')}"
            return kind, str(value)
    return None


def _agents(statement: dict[str, Any], *, related: bool) -> list[dict[str, Any]]:
    found = [statement.get("actor", {})]
    target = statement.get("object", {})
    if target.get("objectType") in ("Agent", "Group"):
        found.append(target)
    if related:
        context = statement.get("context", {})
        found += [statement.get("authority", {}), context.get("instructor", {}), context.get("team", {})]
        for group in list(found):
            found += [m for m in group.get("member", []) if isinstance(m, dict)]
        if target.get("objectType") == "SubStatement":
            found += _agents(target, related=True)
    return [a for a in found if isinstance(a, dict) and a]


def _activities(statement: dict[str, Any], *, related: bool) -> set[str]:
    target = statement.get("object", {})
    found = {target.get("id")} if target.get("objectType", "Activity") == "Activity" else set()
    if related:
        for items in statement.get("context", {}).get("contextActivities", {}).values():
            found |= {a.get("id") for a in (items if isinstance(items, list) else [items]) if isinstance(a, dict)}
        if target.get("objectType") == "SubStatement":
            found |= _activities(target, related=True)
    return {a for a in found if isinstance(a, str)}


def xapi_statement_matches(
    statement: dict[str, Any],
    *,
    verb: str | None,
    activity: str | None,
    registration: str | None,
    agent: dict[str, Any] | None,
    related_activities: bool,
    related_agents: bool,
) -> bool:
    """The GET filters of the Statements resource (xAPI 1.0.3, part 3, 2.1.3), on one stored statement."""
    if verb is not None and statement.get("verb", {}).get("id") != verb:
        return False
    if activity is not None and activity not in _activities(statement, related=related_activities):
        return False
    if registration is not None and statement.get("context", {}).get("registration") != registration:
        return False
    if agent is not None:
        wanted = xapi_ifi(agent)
        if wanted not in {xapi_ifi(a) for a in _agents(statement, related=related_agents)}:
            return False
    return True


def _language_pick(value: dict[str, str], lang: str) -> dict[str, str]:
    preferred = [part.split(";")[0].strip() for part in lang.split(",") if part.strip()]
    for tag in preferred:
        for key in value:
            if key.lower() == tag.lower() or key.lower().split("-")[0] == tag.lower():
                return {key: value[key]}
    first = next(iter(value), None)
    return {first: value[first]} if first is not None else {}


def _ids_only(obj: Any) -> Any:
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("objectType")
    if kind in ("Agent", "Group") or (kind is None and xapi_ifi(obj) is not None and "id" not in obj):
        keep = {k: obj[k] for k in ("objectType", *IFIS) if k in obj}
        if kind == "Group" and xapi_ifi(obj) is None:
            keep["member"] = [_ids_only(m) for m in obj.get("member", [])]
        return keep
    if kind in (None, "Activity") and "id" in obj:
        return {"id": obj["id"]}
    return obj


def xapi_format(statement: dict[str, Any], *, fmt: str, lang: str = "") -> dict[str, Any]:
    """`format=exact` as stored; `ids`: agents, groups and activities reduced to what identifies them;
    `canonical`: each language map reduced to the language the request prefers (Accept-Language)."""
    if fmt == "ids":
        out = dict(statement)
        if isinstance(out.get("verb"), dict):
            out["verb"] = {"id": out["verb"].get("id")}
        for key in ("actor", "object", "authority"):
            if key in out:
                out[key] = _ids_only(out[key])
        if isinstance(out.get("object"), dict) and out["object"].get("objectType") == "SubStatement":
            out["object"] = xapi_format(out["object"], fmt="ids")
        if isinstance(out.get("context"), dict):
            context = dict(out["context"])
            for key in ("instructor", "team"):
                if key in context:
                    context[key] = _ids_only(context[key])
            if isinstance(context.get("contextActivities"), dict):
                context["contextActivities"] = {
                    k: [_ids_only(a) for a in v] for k, v in context["contextActivities"].items()
                }
            out["context"] = context
        return out
    if fmt == "canonical":
        return _canonical(statement, lang)
    return statement


def _canonical(value: Any, lang: str, key: str = "") -> Any:
    if isinstance(value, dict):
        if key in ("display", "name", "description") and all(isinstance(v, str) for v in value.values()):
            return _language_pick(value, lang)
        return {k: v if k == "extensions" else _canonical(v, lang, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v, lang, key) for v in value]
    return value
