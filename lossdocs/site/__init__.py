"""Everything that meets MkDocs: the hook, embedding, maths, tables, static figures,
notebook support and the vendored browser assets.

Data flow: engine (``lossdocs.<module>``) -> widget builders (``lossdocs.widgets``)
-> **site** (this package). Nothing here is imported by the layers before it.
"""
