"""Where each kind of personal data lives, and what export and erasure do with it (APPI).

`tests` check that every model field pointing at a user or a learner profile is listed here,
so a new table holding personal data cannot be forgotten by the export or the erasure.
"""

# (app_label.model, field) -> what happens to it
PERSONAL_DATA: dict[tuple[str, str], str] = {
    ("learners.learnerprofile", "user"): "exported as `profile`; deleted",
    ("learners.membership", "user"): "exported as `memberships`; deleted",
    ("learners.skillassessment", "learner"): "exported as `assessments`; deleted",
    ("learners.enrollment", "learner"): "exported as `enrollments`; deleted",
    ("learners.exampass", "learner"): "exported as `exam_passes`; deleted (their exam assessments with them)",
    ("learners.progressevent", "learner"): "exported as `progress_events`; deleted",
    ("learners.trackassignment", "learner"): "exported as `track_assignments`; deleted",
    ("recommender.learnerplan", "learner"): "exported as `plan`; deleted",
    ("national.nationalcount", "learner"): "exported as `national_count` (the fiscal year and attributes "
    "they were counted with); deleted, and the national cells decremented, in the erasure's transaction",
    ("accounts.apitoken", "user"): "exported as `api_tokens` (never the key); deleted",
    ("courses.provider", "members"): "exported as `provider_accounts`; the link is removed",
    ("interop.credential", "learner"): "exported as `credentials` (the signed documents); deleted (a copy the learner "
    "downloaded still verifies; its public page is gone)",
    ("interop.xapistatementout", "learner"): "exported as `xapi_statements_out`; deleted (statements already "
    "delivered live on in the organization's LRS under the learner's public id)",
    ("interop.xapistatementin", "learner"): "exported as `xapi_statements_in` (statements an LMS sent about "
    "them); deleted with the learner",
    ("learners.orgmemberfact", "learner"): "derived, not exported (a copy of the shared role, the consent flag "
    "and current levels already in `profile` and `assessments`, per organization, for the employer's dashboard "
    "counts); deleted, and the organization's counts decremented, in the erasure's transaction",
    ("audit.auditidentity", "user"): "entries about the person exported as `audit_log`; the link is deleted, "
    "so the entries stay with a pseudonym that no longer leads to anyone",
}

# References to a person acting for someone else; erasure keeps the record and drops the link.
ACTING_FOR_OTHERS: dict[tuple[str, str], str] = {
    ("learners.skillassessment", "recorded_by"): "set to null (someone else's assessment stays)",
    ("learners.track", "created_by"): "set to null (the employer's track stays)",
    ("learners.exampass", "recorded_by"): "set to null (the exam pass of someone else an employer imported stays)",
    ("learners.trackassignment", "assigned_by"): "set to null (someone else's assignment stays)",
    ("learners.progressevent", "submitted_by"): "kept (events about other people): the account is then "
    "anonymised instead of deleted",
    ("interop.xapistatementin", "submitter"): "the account that sent an xAPI statement (about others); the "
    "statements go with the account when it is deleted (progress events they produced stay)",
    ("courses.courseskill", "reviewer"): "set to null (the catalog's tag stays)",
    ("courses.importrun", "actor"): "set to null (the catalog's import record stays)",
    ("courses.catalogimportjob", "uploader"): "the account that uploaded a catalog file for its provider; the "
    "job goes with the account when it is deleted (its import run stays, with the actor set to null)",
    ("admin.logentry", "user"): "staff actions in the admin (staff accounts are not erased by themselves)",
}
