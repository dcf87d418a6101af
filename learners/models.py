"""Learners, organizations, assessments and progress: built in the learners issue."""
