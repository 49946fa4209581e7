"""Oversight: time limits and their pure rules (``limits``), the sweep that colours running clocks
(``sweep``), 督办 and each category's limits (``supervision``), unit credit (``credit``), and the
figures for overviews and charts (``stats``, ``charts``). A new figure or rule on how work is
going belongs here.
"""
