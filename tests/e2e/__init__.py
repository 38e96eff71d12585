"""Home Assistant as a user meets it: a real ``hass`` process, its HTTP API and a real browser.

Used by ``scripts/first_use_check`` and by ``scripts/develop --with-entry``; not collected by pytest.
"""
