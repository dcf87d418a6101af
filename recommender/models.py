"""Stored plans and model versions: built in the recommender issue."""
