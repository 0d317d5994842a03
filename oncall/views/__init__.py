"""On-call in the browser, one module per screen (oncall/urls.py maps them): who is on call and
the schedules (`schedules`), escalation policies (`policies`), a person's rules, shifts and
calendar (`me`), the escalation actions of the incident page (`incident`), the iCal feeds (`ical`).

The same plumbing as every screen (core.ui): views parse input and call oncall.selectors /
oncall.services; an htmx request gets back the region that changed, every form also works
without JavaScript (POST, then redirect), and domain errors become 400/403/404/409 answers with
the service's own message. iCal feeds are authenticated by the token in the URL.
"""
