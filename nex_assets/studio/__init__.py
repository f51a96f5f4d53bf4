"""NEX Studio: the web page where people ask, explore, review the dictionary and read each dataset's
story (``nex studio``, docs/studio.md). ``app.py`` builds the Starlette app; ``logic/`` holds what is pure
(charts, diffs, tokens, links, rewriting served pages)."""
