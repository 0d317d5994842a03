"""The incident REST API (`/api/v1/`): thin views around incidents.services and selectors.

- `incidents`: list, declare, read, edit; timeline; stakeholder-update draft
- `actions`: state changes, severity, roles, notes, stakeholder updates
- `catalog`: services, severities, roles
- `serializers`: input and output serializers, kept apart
"""
