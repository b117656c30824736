"""Everything built once per load and read at request time: entity descriptions and page view
models, the ontology and shapes references, and the discovery layer (dataset index, dumps, VoID,
search, browse, the home page's overview, statistics). Nothing here imports Flask.
"""
