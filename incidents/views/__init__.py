"""Browser views of the incident screens, one module per screen (incidents/urls.py maps them).

Views parse input, call a selector or service, and answer through core.ui: the full screen, or
for htmx the region that changed plus `incident-changed`. Presenters: incidents/pages.py.
"""
