"""Exchange: requests for information, four-eyes release, alerts and joint operations.

- :mod:`.rfis` — requests between agencies, answers, releases and their approval;
- :mod:`.alerts` — watches (profiles, selectors, seizure queries) matched against new data;
- :mod:`.operations` — joint operations' closed workspaces;
- :mod:`.notify` — the one inbox, and the e-mails and webhook calls it queues;
- :mod:`.deliveries` — sending those, with retries, never in a user's request;
- :mod:`.dispatcher` — the background loop that runs alerts, deliveries and deadlines.
"""
