"""The recommender's core: plain Python, numpy and scikit-learn; never imports Django."""
