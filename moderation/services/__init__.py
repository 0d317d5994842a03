"""Every change in moderation goes through one of these functions (one module per sub-domain):
intake (reports, appeals), claims, decisions (and bulk), suspensions, deliveries (the outbox) and
waves. The browser, the API, the management command and Celery tasks all call them."""
