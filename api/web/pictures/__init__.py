"""Pictures drawn on the server as plain SVG, for the figures pages and the batch runs' page:
the shapes and the bar and column charts (``svg``), the map of needs and resources (``maps``),
the charts of a scope's figures (``charts``) and what the figures pages share (``figures``).

No page lives here; a page that shows a picture builds it with these and passes it to
``templates/charts/_picture.html``.
"""
